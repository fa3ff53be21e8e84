/**
 * Batches as plain typed arrays: gather chosen images of an ImageSet, convert uint8 pixels to
 * float32 scaled to [0, 1], to [-1, 1] (DIM's preprocessing), or normalised per channel with a
 * mean and std (applied to [0, 1] values, torchvision's convention).
 *
 * The minibatches of one epoch are a seeded permutation of 0..count-1 cut into batches. DIM drops
 * the incomplete last batch (`skip_last_batch=True`: its N x N score masks and BatchNorm want full
 * batches), so dropLast defaults to true.
 */

import type { SeededRandom } from '../../core/index.js';
import { type ImageSet, imageSize } from './image-set.js';

export type Pixels = Uint8Array | Float32Array;

/** count images of height x width x channels, NHWC. uint8 values are 0..255; float values 0..1 unless said. */
export interface ImageBatch<T extends Pixels = Pixels> {
  data: T;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/**
 * How uint8 (or [0, 1] float) pixels become network inputs:
 * - 'unit': v = x / 255, in [0, 1];
 * - 'symmetric': v = x / 127.5 - 1, in [-1, 1] (DIM: Normalize(0.5, 0.5));
 * - {mean, std}: v = (x / 255 - mean[c]) / std[c] (numbers apply to every channel).
 */
export type PixelScaling = 'unit' | 'symmetric' | { mean: number | number[]; std: number | number[] };

/** Per-channel affine map v = a[c] * x + b[c] for uint8 input x (scale = 255) or [0, 1] input (scale = 1). */
export function scalingCoefficients(
  scaling: PixelScaling,
  channels: number,
  inputMax: number,
): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    if (scaling === 'unit') {
      a[c] = 1 / inputMax;
    } else if (scaling === 'symmetric') {
      a[c] = 2 / inputMax;
      b[c] = -1;
    } else {
      const pick = (v: number | number[], what: string) => {
        if (typeof v === 'number') return v;
        if (v.length !== channels) throw new RangeError(`PixelScaling: ${what} has ${v.length} values for ${channels} channels`);
        return v[c];
      };
      const mean = pick(scaling.mean, 'mean');
      const std = pick(scaling.std, 'std');
      if (!(std > 0)) throw new RangeError(`PixelScaling: std must be positive, got ${std}`);
      a[c] = 1 / (inputMax * std);
      b[c] = -mean / std;
    }
  }
  return { a, b };
}

function checkIndex(set: ImageSet, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= set.count) {
    throw new RangeError(`batch: index ${i} is outside 0..${set.count - 1}`);
  }
}

/** The chosen images as a uint8 batch (a copy). */
export function gatherBatch(set: ImageSet, indices: ArrayLike<number>): ImageBatch<Uint8Array> {
  const size = imageSize(set);
  const data = new Uint8Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    checkIndex(set, indices[i]);
    data.set(set.images.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
  }
  return { data, count: indices.length, height: set.height, width: set.width, channels: set.channels };
}

/** The chosen images as float32 NHWC, scaled (default 'unit': [0, 1]). */
export function floatBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  scaling: PixelScaling = 'unit',
): ImageBatch<Float32Array> {
  const size = imageSize(set);
  const C = set.channels;
  const { a, b } = scalingCoefficients(scaling, C, 255);
  const data = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    checkIndex(set, indices[i]);
    const src = indices[i] * size;
    const dst = i * size;
    for (let p = 0; p < size; p += C) {
      for (let c = 0; c < C; c++) data[dst + p + c] = a[c] * set.images[src + p + c] + b[c];
    }
  }
  return { data, count: indices.length, height: set.height, width: set.width, channels: C };
}

/**
 * A batch scaled for a network: uint8 input is read as 0..255, float input as 0..1 (what the
 * augmentations return). Returns a new float32 batch.
 */
export function normalizeBatch(batch: ImageBatch, scaling: PixelScaling): ImageBatch<Float32Array> {
  const C = batch.channels;
  const { a, b } = scalingCoefficients(scaling, C, batch.data instanceof Uint8Array ? 255 : 1);
  const src = batch.data;
  const data = new Float32Array(src.length);
  for (let p = 0; p < src.length; p += C) {
    for (let c = 0; c < C; c++) data[p + c] = a[c] * src[p + c] + b[c];
  }
  return { ...batch, data };
}

/** The labels of the chosen images. */
export function labelsAt(set: ImageSet, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    checkIndex(set, indices[i]);
    out[i] = set.labels[indices[i]];
  }
  return out;
}

// ---- the batches of an epoch

/** The index batches of one epoch, shuffled by `rng` (null: in order); see the file comment for dropLast. */
export function epochBatches(
  count: number,
  batchSize: number,
  rng: SeededRandom | null,
  options: { dropLast?: boolean } = {},
): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`epochBatches: batchSize must be a positive integer, got ${batchSize}`);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  if (rng) {
    for (let i = count - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
  const batches: Int32Array[] = [];
  const dropLast = options.dropLast ?? true;
  for (let s = 0; s < count; s += batchSize) {
    if (s + batchSize > count && dropLast) break;
    batches.push(order.subarray(s, Math.min(count, s + batchSize)));
  }
  return batches;
}
