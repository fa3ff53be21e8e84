/** Plain crops: the same rectangle of every image, and random fixed-size crops with zero padding. */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch, Pixels } from '../batch.js';
import { type CropBox, checkCropBox } from './crop-box.js';

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
