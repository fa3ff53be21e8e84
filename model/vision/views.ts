/**
 * Network inputs from an ImageSet, as float32 NHWC in [-1, 1] (DIM's preprocessing), resized to the
 * encoder's input size:
 * - `evalInputs`: the images as they are (resized, no augmentation): validation, probes.
 * - `trainInputs`: DIM methods: one augmented view per image (default: none). infonce/demi: view x,
 *   and M nested subviews y(1) ⊂ ... ⊂ y(M) of a second view y (crops of increasing size, each
 *   inside the next, resized to the input size; y(M) = y), stacked as [x; y(1); ...; y(M)].
 * All randomness comes from the given SeededRandom.
 */
import { SeededRandom } from '../../core/index.js';
import {
  augmentView, demiViews, gatherBatch, type ImageBatch, type ImageSet, type ViewAugmentOptions,
} from '../../data/vision/index.js';
import type { AugmentConfig } from './config.js';

export interface InputBatch {
  /** viewsPerImage · count images, NHWC, in [-1, 1]. */
  data: Float32Array;
  count: number;
  viewsPerImage: number;
  size: number;
  channels: number;
}

export function viewOptions(augment: AugmentConfig, size: number): ViewAugmentOptions {
  const crop = augment.crop === 'none' ? { kind: 'none' as const }
    : augment.crop === 'random' ? { kind: 'random' as const, padding: augment.padding }
      : { kind: 'resized' as const, scale: augment.cropScale };
  const s = augment.jitter;
  return {
    height: size,
    width: size,
    crop,
    flip: augment.flip,
    colorJitter: s > 0 ? { brightness: s, contrast: s, saturation: s, hue: Math.min(0.5, s / 4), probability: augment.jitterProbability } : undefined,
    grayscale: augment.grayscale,
  };
}

function toSymmetric(batches: ImageBatch<Float32Array>[], out: Float32Array): void {
  let at = 0;
  for (const b of batches) {
    const d = b.data;
    for (let i = 0; i < d.length; i++) out[at + i] = d[i] * 2 - 1;
    at += d.length;
  }
}

const NO_RANDOM = new SeededRandom(0);

export function evalInputs(set: ImageSet, indices: ArrayLike<number>, size: number): InputBatch {
  const view = augmentView(gatherBatch(set, indices), NO_RANDOM, { height: size, width: size, crop: { kind: 'none' }, flip: 0 }).batch;
  const data = new Float32Array(view.data.length);
  toSymmetric([view], data);
  return { data, count: indices.length, viewsPerImage: 1, size, channels: set.channels };
}

export interface TrainViewOptions {
  augment: AugmentConfig;
  size: number;
  /** 0: DIM (one view); M >= 1: x and M nested subviews of y. */
  levels: number;
  /** Subview scales, smallest first, ending at 1 (default: linear from minScale). */
  scales?: number[];
  minScale: number;
}

export function trainInputs(set: ImageSet, indices: ArrayLike<number>, rng: SeededRandom, o: TrainViewOptions): InputBatch {
  const batch = gatherBatch(set, indices);
  const view = viewOptions(o.augment, o.size);
  let parts: ImageBatch<Float32Array>[];
  if (o.levels === 0) {
    parts = [augmentView(batch, rng, view).batch];
  } else {
    const scales = o.scales ?? (o.levels === 1 ? [1] : undefined);
    const v = demiViews(batch, rng, { x: view, subviews: { scales, count: o.levels, minScale: o.minScale, height: o.size, width: o.size } });
    parts = [v.x, ...v.subviews];
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  toSymmetric(parts, data);
  return { data, count: indices.length, viewsPerImage: parts.length, size: o.size, channels: set.channels };
}
