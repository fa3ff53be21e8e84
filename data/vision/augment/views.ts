/**
 * Augmentation pipelines. One augmented view of each image in a single pass: crop (random resized,
 * random fixed-size with padding, or none) + resize + horizontal flip + scaling to [0, 1], then
 * colour jitter and random grayscale in place. Each image draws from `rng` in a fixed order (crop,
 * flip, jitter, grayscale), so the same seed gives the same views.
 *
 * The inputs of one DEMI (or InfoNCE / DIM) step on images: two independently augmented views x
 * and y of each image, and M nested subviews y(1..M) of y (crops of increasing size, smallest
 * first). Draws x, then y, then the subview boxes from `rng`.
 */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch } from '../batch.js';
import { type ColorJitterOptions, checkColorJitterOptions, colorJitterAt, grayscaleAt } from './color.js';
import { type CropBox, type NestedCropOptions, nestedCrops, resizeCropInto, sampleResizedCropBox } from './geometry.js';

export type ViewCrop =
  | { kind: 'none' }
  /** RandomResizedCrop; scale/ratio default [0.08, 1] and [3/4, 4/3]. */
  | { kind: 'resized'; scale?: [number, number]; ratio?: [number, number] }
  /** A random output-sized crop after zero padding (padding 0: plain random crop). */
  | { kind: 'random'; padding?: number };

export interface ViewAugmentOptions {
  /** Output size (default: the input's). */
  height?: number;
  width?: number;
  crop?: ViewCrop;
  /** Probability of a horizontal flip (default 0.5). */
  flip?: number;
  colorJitter?: ColorJitterOptions;
  /** Probability of turning the image gray (default 0). */
  grayscale?: number;
}

/** SimCLR's CIFAR-10 views (crop scale [0.08, 1], flip, jitter 0.4/0.4/0.4/0.1 with p 0.8, gray 0.2). */
export const SIMCLR_VIEW: ViewAugmentOptions = {
  crop: { kind: 'resized', scale: [0.08, 1] },
  flip: 0.5,
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, probability: 0.8 },
  grayscale: 0.2,
};

/** DIM's STL-10 pre-training views: random 64x64 crops of the 96x96 images and flips. */
export const DIM_STL10_VIEW: ViewAugmentOptions = { height: 64, width: 64, crop: { kind: 'random' }, flip: 0.5 };

/** Copies a zero-padded crop (box in padded coordinates, output-sized) of image n, scaled. */
function paddedCropInto(
  src: ImageBatch,
  n: number,
  box: CropBox,
  pad: number,
  out: Float32Array,
  o: number,
  flip: boolean,
  scale: number,
): void {
  const { height: H, width: W, channels: C } = src;
  const { width: w, height: h } = box;
  for (let r = 0; r < h; r++) {
    const sy = box.y + r - pad;
    for (let cx = 0; cx < w; cx++) {
      const sx = box.x + cx - pad;
      const dst = o + (r * w + (flip ? w - 1 - cx : cx)) * C;
      if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
        for (let c = 0; c < C; c++) out[dst + c] = 0;
      } else {
        const s = ((n * H + sy) * W + sx) * C;
        for (let c = 0; c < C; c++) out[dst + c] = src.data[s + c] * scale;
      }
    }
  }
}

/**
 * One augmented view of every image: float32 NHWC in [0, 1] (uint8 input is divided by 255; float
 * input is taken to be in [0, 1] already). Also returns each image's crop box and flip.
 */
export function augmentView(
  batch: ImageBatch,
  rng: SeededRandom,
  options: ViewAugmentOptions = {},
): { batch: ImageBatch<Float32Array>; boxes: CropBox[]; flipped: Uint8Array } {
  const { height: H, width: W, channels: C, count } = batch;
  const outH = options.height ?? H;
  const outW = options.width ?? W;
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new RangeError(`augmentView: output size must be positive integers, got ${outH}x${outW}`);
  }
  const crop = options.crop ?? { kind: 'none' };
  const pad = crop.kind === 'random' ? (crop.padding ?? 0) : 0;
  if (crop.kind === 'random' && (outH > H + 2 * pad || outW > W + 2 * pad || !Number.isInteger(pad) || pad < 0)) {
    throw new RangeError(`augmentView: a ${outH}x${outW} random crop does not fit the ${H}x${W} images padded by ${pad}`);
  }
  if (options.colorJitter) checkColorJitterOptions(options.colorJitter);
  const pFlip = options.flip ?? 0.5;
  const pGray = options.grayscale ?? 0;
  const scale = batch.data instanceof Uint8Array ? 1 / 255 : 1;
  const P = outH * outW;
  const out = new Float32Array(count * P * C);
  const boxes: CropBox[] = new Array(count);
  const flipped = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    let box: CropBox;
    if (crop.kind === 'resized') box = sampleResizedCropBox(rng, H, W, crop.scale, crop.ratio);
    else if (crop.kind === 'random') box = { x: rng.int(W + 2 * pad - outW + 1), y: rng.int(H + 2 * pad - outH + 1), width: outW, height: outH };
    else box = { x: 0, y: 0, width: W, height: H };
    const flip = pFlip > 0 && rng.uniform() < pFlip;
    boxes[n] = box;
    flipped[n] = flip ? 1 : 0;
    if (crop.kind === 'random') paddedCropInto(batch, n, box, pad, out, n * P * C, flip, scale);
    else resizeCropInto(batch, n, box, out, n, outH, outW, flip, scale);
    if (options.colorJitter) colorJitterAt(out, n * P * C, P, C, rng, options.colorJitter);
    if (pGray > 0 && rng.uniform() < pGray) grayscaleAt(out, n * P * C, P, C);
  }
  return { batch: { data: out, count, height: outH, width: outW, channels: C }, boxes, flipped };
}

// ---- the views of a DEMI step

export interface DemiViewsOptions {
  /** Augmentation of view x. */
  x: ViewAugmentOptions;
  /** Augmentation of view y (default: the same as x). */
  y?: ViewAugmentOptions;
  /** Nested subviews of y; omit for none. */
  subviews?: NestedCropOptions;
}

export interface DemiViews {
  /** float32 NHWC in [0, 1]. */
  x: ImageBatch<Float32Array>;
  y: ImageBatch<Float32Array>;
  /** subviews[k]: crop k of every y, smallest first. */
  subviews: ImageBatch<Float32Array>[];
  /** subviewBoxes[n][k]: crop k of image n, in y's pixels. */
  subviewBoxes: CropBox[][];
}

export function demiViews(batch: ImageBatch, rng: SeededRandom, options: DemiViewsOptions): DemiViews {
  const x = augmentView(batch, rng, options.x).batch;
  const y = augmentView(batch, rng, options.y ?? options.x).batch;
  if (!options.subviews) return { x, y, subviews: [], subviewBoxes: [] };
  const { subviews, boxes } = nestedCrops(y, rng, { ...options.subviews, valueScale: 1 });
  return { x, y, subviews, subviewBoxes: boxes };
}
