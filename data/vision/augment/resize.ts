/**
 * Bilinear resampling, the core of every geometric augmentation here. One pass per image does
 * crop + resize + optional horizontal flip + scaling of the values (e.g. 1/255 for uint8 input).
 *
 * Sampling follows PyTorch's `interpolate(mode='bilinear', align_corners=False)` (= TF's
 * half_pixel_centers): output pixel i of a crop starting at x0 with width w reads source
 * coordinate x0 + (i + 0.5) * w / outWidth - 0.5, clamped to the crop's first and last pixel, so
 * resizing a box equals cropping it and then resizing the crop. No antialiasing filter is applied
 * when shrinking (fine for the 1x-3x factors of CIFAR/STL views; pre-shrink larger images with
 * sharp's `resize` when reading them).
 */

import type { ImageBatch, Pixels } from '../batch.js';
import type { CropBox } from './crop-box.js';

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
