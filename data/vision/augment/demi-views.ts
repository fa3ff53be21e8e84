/**
 * The inputs of one DEMI (or InfoNCE / DIM) step on images: two independently augmented views x
 * and y of each image, and M nested subviews y(1..M) of y (crops of increasing size, smallest
 * first). Draws x, then y, then the subview boxes from `rng`.
 */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch } from '../batch.js';
import type { CropBox } from './crop-box.js';
import { type NestedCropOptions, nestedCrops } from './nested-crops.js';
import { type ViewAugmentOptions, augmentView } from './view-augment.js';

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
