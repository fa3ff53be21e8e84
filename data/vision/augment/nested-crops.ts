/**
 * Nested subviews for DEMI on images: from one view, M crops of increasing size, each inside the
 * next, all resized to one output size. subview 1 is the smallest; subview M is the largest (the
 * whole view when its scale is 1). The chain-rule terms I(x; y(k) | y(1..k-1)) then condition on
 * ever larger parts of the same view.
 */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch } from '../batch.js';
import type { CropBox } from './crop-box.js';
import { resizeCrops } from './resize.js';

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
