/**
 * The geometric augmentations: crops, resizes and horizontal flips, on NHWC uint8/float batches.
 *
 * Bilinear resampling is the core of every geometric augmentation here. One pass per image does
 * crop + resize + optional horizontal flip + scaling of the values (e.g. 1/255 for uint8 input).
 * Sampling follows PyTorch's `interpolate(mode='bilinear', align_corners=False)` (= TF's
 * half_pixel_centers): output pixel i of a crop starting at x0 with width w reads source
 * coordinate x0 + (i + 0.5) * w / outWidth - 0.5, clamped to the crop's first and last pixel, so
 * resizing a box equals cropping it and then resizing the crop. No antialiasing filter is applied
 * when shrinking (fine for the 1x-3x factors of CIFAR/STL views; pre-shrink larger images with
 * sharp's `resize` when reading them).
 *
 * Random resized crops follow torchvision's RandomResizedCrop: a box covering a random fraction
 * `scale` of the image area with a random aspect ratio (log-uniform in `ratio`), resized (bilinear)
 * to the output size.
 *
 * Nested subviews for DEMI on images: from one view, M crops of increasing size, each inside the
 * next, all resized to one output size. subview 1 is the smallest; subview M is the largest (the
 * whole view when its scale is 1). The chain-rule terms I(x; y(k) | y(1..k-1)) then condition on
 * ever larger parts of the same view.
 */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch, Pixels } from '../batch.js';

/** A crop rectangle in pixel units of the source image: top-left (x, y), size width x height. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Throws a RangeError unless `box` is a non-empty integer rectangle inside a height x width image. */
export function checkCropBox(box: CropBox, height: number, width: number, what = 'crop'): void {
  const { x, y, width: w, height: h } = box;
  if (![x, y, w, h].every(Number.isInteger) || w < 1 || h < 1 || x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new RangeError(
      `${what}: box x=${x} y=${y} width=${w} height=${h} is not a non-empty integer rectangle inside the ${height}x${width} image`,
    );
  }
}

// ---- bilinear resize

/** Source indices and weights along one axis (reused buffers per call). */
function axisTable(start: number, length: number, limit: number, outLength: number, reverse: boolean) {
  const i0 = new Int32Array(outLength);
  const i1 = new Int32Array(outLength);
  const w1 = new Float32Array(outLength);
  let lo = Math.max(0, Math.ceil(start));
  let hi = Math.min(limit - 1, Math.ceil(start + length) - 1);
  if (hi < lo) lo = hi = Math.min(limit - 1, Math.max(0, Math.floor(start))); // a box thinner than a pixel
  const step = length / outLength;
  for (let o = 0; o < outLength; o++) {
    let s = start + (o + 0.5) * step - 0.5;
    if (s < lo) s = lo;
    if (s > hi) s = hi;
    const f = s | 0; // s >= 0 after the clamp
    const k = reverse ? outLength - 1 - o : o;
    i0[k] = f;
    i1[k] = f + 1 > hi ? hi : f + 1;
    w1[k] = s - f;
  }
  return { i0, i1, w1 };
}

/**
 * Resamples `box` of image `n` of `src` into image `outIndex` of `out` (outHeight x outWidth, same
 * channels), multiplying values by `scale`; `flip` mirrors the result left-right.
 */
export function resizeCropInto(
  src: ImageBatch,
  n: number,
  box: CropBox,
  out: Float32Array,
  outIndex: number,
  outHeight: number,
  outWidth: number,
  flip = false,
  scale = 1,
): void {
  const { height: H, width: W, channels: C } = src;
  const data: Pixels = src.data;
  const base = n * H * W * C;
  const xs = axisTable(box.x, box.width, W, outWidth, flip);
  const ys = axisTable(box.y, box.height, H, outHeight, false);
  let o = outIndex * outHeight * outWidth * C;
  for (let oy = 0; oy < outHeight; oy++) {
    const r0 = base + ys.i0[oy] * W * C;
    const r1 = base + ys.i1[oy] * W * C;
    const wy = ys.w1[oy];
    const wy0 = (1 - wy) * scale;
    const wy1 = wy * scale;
    for (let ox = 0; ox < outWidth; ox++) {
      const c0 = xs.i0[ox] * C;
      const c1 = xs.i1[ox] * C;
      const wx = xs.w1[ox];
      const wx0 = 1 - wx;
      for (let c = 0; c < C; c++) {
        const top = data[r0 + c0 + c] * wx0 + data[r0 + c1 + c] * wx;
        const bottom = data[r1 + c0 + c] * wx0 + data[r1 + c1 + c] * wx;
        out[o++] = top * wy0 + bottom * wy1;
      }
    }
  }
}

/** Every image resized (bilinear) to height x width; values keep their scale, as float32. */
export function resize(batch: ImageBatch, height: number, width: number): ImageBatch<Float32Array> {
  checkSize(height, width);
  const out = new Float32Array(batch.count * height * width * batch.channels);
  const box = { x: 0, y: 0, width: batch.width, height: batch.height };
  for (let n = 0; n < batch.count; n++) resizeCropInto(batch, n, box, out, n, height, width);
  return { data: out, count: batch.count, height, width, channels: batch.channels };
}

/**
 * Image n's `boxes[n]` resized to height x width (float32; values multiplied by `scale`, e.g.
 * 1/255 to turn uint8 into [0, 1]); `flips[n]` nonzero mirrors image n.
 */
export function resizeCrops(
  batch: ImageBatch,
  boxes: readonly CropBox[],
  height: number,
  width: number,
  options: { flips?: ArrayLike<number>; scale?: number } = {},
): ImageBatch<Float32Array> {
  checkSize(height, width);
  if (boxes.length !== batch.count) throw new RangeError(`resizeCrops: ${boxes.length} boxes for ${batch.count} images`);
  const out = new Float32Array(batch.count * height * width * batch.channels);
  for (let n = 0; n < batch.count; n++) {
    resizeCropInto(batch, n, boxes[n], out, n, height, width, Boolean(options.flips?.[n]), options.scale ?? 1);
  }
  return { data: out, count: batch.count, height, width, channels: batch.channels };
}

function checkSize(height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`resize: output size must be positive integers, got ${height}x${width}`);
  }
}

// ---- plain crops: the same rectangle of every image, and random fixed-size crops with zero padding

function like<T extends Pixels>(data: T, length: number): T {
  return (data instanceof Uint8Array ? new Uint8Array(length) : new Float32Array(length)) as T;
}

/** The rectangle (x, y, width w, height h) of every image, same element type (a copy). */
export function crop<T extends Pixels>(batch: ImageBatch<T>, x: number, y: number, w: number, h: number): ImageBatch<T> {
  checkCropBox({ x, y, width: w, height: h }, batch.height, batch.width);
  return cropBoxes(batch, Array.from({ length: batch.count }, () => ({ x, y, width: w, height: h })));
}

/** Image n's boxes[n] (all boxes the same size), same element type (a copy). */
export function cropBoxes<T extends Pixels>(batch: ImageBatch<T>, boxes: readonly CropBox[]): ImageBatch<T> {
  if (boxes.length !== batch.count) throw new RangeError(`cropBoxes: ${boxes.length} boxes for ${batch.count} images`);
  const { height: H, width: W, channels: C, count } = batch;
  const h = boxes[0]?.height ?? 0;
  const w = boxes[0]?.width ?? 0;
  const out = like(batch.data, count * h * w * C);
  for (let n = 0; n < count; n++) {
    const b = boxes[n];
    checkCropBox(b, H, W, 'cropBoxes');
    if (b.width !== w || b.height !== h) throw new RangeError('cropBoxes: all boxes must have the same size');
    for (let r = 0; r < h; r++) {
      const from = ((n * H + b.y + r) * W + b.x) * C;
      out.set(batch.data.subarray(from, from + w * C), ((n * h + r) * w) * C);
    }
  }
  return { data: out, count, height: h, width: w, channels: C };
}

/**
 * A random height x width crop of each image after zero-padding `padding` pixels on every side
 * (the usual CIFAR "pad 4, crop 32" augmentation; padding 0 gives plain random crops, e.g.
 * STL-10's random 64x64 crops of 96x96 images in DIM). Returns the crops and their boxes (in
 * padded coordinates, i.e. x - padding is the offset in the image).
 */
export function randomCrop<T extends Pixels>(
  batch: ImageBatch<T>,
  rng: SeededRandom,
  options: { height: number; width: number; padding?: number },
): { batch: ImageBatch<T>; boxes: CropBox[] } {
  const { height: h, width: w } = options;
  const pad = options.padding ?? 0;
  const { height: H, width: W, channels: C, count } = batch;
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`randomCrop: padding must be a non-negative integer, got ${pad}`);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > H + 2 * pad || w > W + 2 * pad) {
    throw new RangeError(`randomCrop: ${h}x${w} does not fit in the ${H}x${W} images padded by ${pad}`);
  }
  const out = like(batch.data, count * h * w * C);
  const boxes: CropBox[] = [];
  for (let n = 0; n < count; n++) {
    const by = rng.int(H + 2 * pad - h + 1);
    const bx = rng.int(W + 2 * pad - w + 1);
    boxes.push({ x: bx, y: by, width: w, height: h });
    for (let r = 0; r < h; r++) {
      const sy = by + r - pad;
      if (sy < 0 || sy >= H) continue; // zero row
      const sx0 = Math.max(0, bx - pad);
      const sx1 = Math.min(W, bx - pad + w);
      if (sx1 <= sx0) continue;
      const from = ((n * H + sy) * W + sx0) * C;
      const to = ((n * h + r) * w + (sx0 - (bx - pad))) * C;
      out.set(batch.data.subarray(from, from + (sx1 - sx0) * C), to);
    }
  }
  return { batch: { data: out, count, height: h, width: w, channels: C }, boxes };
}

// ---- horizontal (left-right) flips

function flipInto<T extends Pixels>(src: ImageBatch<T>, out: T, n: number): void {
  const { height: H, width: W, channels: C } = src;
  for (let y = 0; y < H; y++) {
    const row = (n * H + y) * W * C;
    for (let x = 0; x < W; x++) {
      const a = row + x * C;
      const b = row + (W - 1 - x) * C;
      for (let c = 0; c < C; c++) out[a + c] = src.data[b + c];
    }
  }
}

/** Every image mirrored left-right (a copy, same element type). */
export function flipHorizontal<T extends Pixels>(batch: ImageBatch<T>): ImageBatch<T> {
  return randomHorizontalFlipWith(batch, new Uint8Array(batch.count).fill(1));
}

/** Image n mirrored where flips[n] is nonzero, copied as is otherwise. */
export function randomHorizontalFlipWith<T extends Pixels>(batch: ImageBatch<T>, flips: ArrayLike<number>): ImageBatch<T> {
  const out = batch.data.slice() as T;
  for (let n = 0; n < batch.count; n++) if (flips[n]) flipInto(batch, out, n);
  return { ...batch, data: out };
}

/** Each image mirrored with probability p (default 0.5); also returns which were (1) or not (0). */
export function randomHorizontalFlip<T extends Pixels>(
  batch: ImageBatch<T>,
  rng: SeededRandom,
  p = 0.5,
): { batch: ImageBatch<T>; flipped: Uint8Array } {
  const flipped = new Uint8Array(batch.count);
  for (let n = 0; n < batch.count; n++) flipped[n] = rng.uniform() < p ? 1 : 0;
  return { batch: randomHorizontalFlipWith(batch, flipped), flipped };
}

// ---- random resized crops

export interface RandomResizedCropOptions {
  /** Output size. */
  height: number;
  width: number;
  /** Range of the box's area as a fraction of the image's (default [0.08, 1]). */
  scale?: [number, number];
  /** Range of the box's width/height (default [3/4, 4/3]), sampled log-uniformly. */
  ratio?: [number, number];
}

/**
 * torchvision's RandomResizedCrop.get_params: up to 10 tries of area ~ U(scale) * H * W and
 * log(aspect) ~ U(log ratio), w = round(sqrt(area * aspect)), h = round(sqrt(area / aspect)),
 * accepted if it fits, at a uniform position; otherwise the central crop with the aspect ratio
 * clamped to `ratio`.
 */
export function sampleResizedCropBox(
  rng: SeededRandom,
  height: number,
  width: number,
  scale: [number, number] = [0.08, 1],
  ratio: [number, number] = [3 / 4, 4 / 3],
): CropBox {
  if (!(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
    throw new RangeError(`randomResizedCrop: scale must satisfy 0 < min <= max <= 1, got [${scale}]`);
  }
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) throw new RangeError(`randomResizedCrop: bad ratio [${ratio}]`);
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const y = rng.int(height - h + 1);
      const x = rng.int(width - w + 1);
      return { x, y, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}

/**
 * A random resized crop of each image, as float32 (values multiplied by `valueScale`, default 1;
 * 1/255 turns uint8 into [0, 1]). Returns the crops and the boxes they came from.
 */
export function randomResizedCrop(
  batch: ImageBatch,
  rng: SeededRandom,
  options: RandomResizedCropOptions & { valueScale?: number },
): { batch: ImageBatch<Float32Array>; boxes: CropBox[] } {
  const boxes: CropBox[] = [];
  for (let n = 0; n < batch.count; n++) {
    boxes.push(sampleResizedCropBox(rng, batch.height, batch.width, options.scale, options.ratio));
  }
  return { batch: resizeCrops(batch, boxes, options.height, options.width, { scale: options.valueScale }), boxes };
}

// ---- nested crops

export interface NestedCropOptions {
  /**
   * Side length of each crop as a fraction of the view's, strictly increasing, last <= 1; e.g.
   * [0.5, 0.75, 1]. Alternatively give `count` (and `minScale`, default 0.5) for linear spacing
   * from minScale to 1.
   */
  scales?: number[];
  count?: number;
  minScale?: number;
  /** Output size of every subview (default: the view's size). */
  height?: number;
  width?: number;
  /** 'random' (default): each crop at a uniform position inside the next larger one; 'center': centred. */
  placement?: 'random' | 'center';
  /** Multiplies the values (1/255 for uint8 input to get [0, 1]); default 1. */
  valueScale?: number;
}

/** The scales of the subviews, smallest first. */
export function nestedScales(options: NestedCropOptions): number[] {
  let scales = options.scales;
  if (!scales) {
    const m = options.count ?? 0;
    if (!Number.isInteger(m) || m < 1) throw new RangeError('nestedCrops: give scales, or count >= 1');
    const lo = options.minScale ?? 0.5;
    scales = m === 1 ? [1] : Array.from({ length: m }, (_, k) => lo + ((1 - lo) * k) / (m - 1));
  }
  scales.forEach((s, k) => {
    if (!(s > 0 && s <= 1) || (k > 0 && !(s > scales![k - 1]))) {
      throw new RangeError(`nestedCrops: scales must increase strictly within (0, 1], got [${scales!.join(', ')}]`);
    }
  });
  return scales;
}

/**
 * Boxes of the nested crops of one height x width view, smallest first: sizes round(scale * side)
 * (at least 1 pixel), each box inside the next.
 */
export function sampleNestedBoxes(
  rng: SeededRandom,
  height: number,
  width: number,
  scales: number[],
  placement: 'random' | 'center' = 'random',
): CropBox[] {
  const boxes: CropBox[] = new Array(scales.length);
  let outer: CropBox = { x: 0, y: 0, width, height };
  for (let k = scales.length - 1; k >= 0; k--) {
    const h = Math.min(outer.height, Math.max(1, Math.round(scales[k] * height)));
    const w = Math.min(outer.width, Math.max(1, Math.round(scales[k] * width)));
    const dy = placement === 'center' ? Math.floor((outer.height - h) / 2) : rng.int(outer.height - h + 1);
    const dx = placement === 'center' ? Math.floor((outer.width - w) / 2) : rng.int(outer.width - w + 1);
    outer = { x: outer.x + dx, y: outer.y + dy, width: w, height: h };
    boxes[k] = outer;
  }
  return boxes;
}

/**
 * M nested crops of every image of the batch. Returns `subviews[k]` (batch of crop k, smallest
 * first) and `boxes[n][k]`, the box of crop k of image n in the view's pixels.
 */
export function nestedCrops(
  batch: ImageBatch,
  rng: SeededRandom,
  options: NestedCropOptions,
): { subviews: ImageBatch<Float32Array>[]; boxes: CropBox[][] } {
  const scales = nestedScales(options);
  const boxes: CropBox[][] = [];
  for (let n = 0; n < batch.count; n++) {
    boxes.push(sampleNestedBoxes(rng, batch.height, batch.width, scales, options.placement));
  }
  const height = options.height ?? batch.height;
  const width = options.width ?? batch.width;
  const subviews = scales.map((_, k) =>
    resizeCrops(
      batch,
      boxes.map((b) => b[k]),
      height,
      width,
      { scale: options.valueScale },
    ),
  );
  return { subviews, boxes };
}
