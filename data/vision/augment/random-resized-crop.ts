/**
 * Random resized crop (Inception / torchvision RandomResizedCrop): a box covering a random fraction
 * `scale` of the image area with a random aspect ratio (log-uniform in `ratio`), resized
 * (bilinear) to the output size.
 */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch } from '../batch.js';
import type { CropBox } from './crop-box.js';
import { resizeCrops } from './resize.js';

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
