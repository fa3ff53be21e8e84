/**
 * Synthetic but structured images for the vision tests: each image is a coloured shape (class 0
 * square, 1 disc, 2 horizontal bar, 3 vertical bar) of random size, position and colour on a random
 * dark background with mild noise. Not noise: local patches of one image share a shape and colour
 * that other images do not, which is what DIM's local objective picks up.
 */
import { SeededRandom } from '../../core/index.js';
import { makeImageSet, type ImageSet } from '../../data/vision/index.js';

export const SHAPE_CLASSES = ['square', 'disc', 'hbar', 'vbar'];

export function shapeImages(count: number, seed: number, size = 32, channels = 3): ImageSet {
  const rng = new SeededRandom(seed);
  const images = new Uint8Array(count * size * size * channels);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % SHAPE_CLASSES.length;
    labels[n] = label;
    const bg = Array.from({ length: channels }, () => 20 + rng.int(60));
    const fg = Array.from({ length: channels }, () => 120 + rng.int(136));
    const r = Math.floor(size * (0.15 + 0.15 * rng.uniform()));
    const cy = r + rng.int(size - 2 * r);
    const cx = r + rng.int(size - 2 * r);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dy = y - cy;
        const dx = x - cx;
        const inside = label === 0 ? Math.abs(dy) <= r && Math.abs(dx) <= r
          : label === 1 ? dy * dy + dx * dx <= r * r
            : label === 2 ? Math.abs(dy) <= r / 3 && Math.abs(dx) <= 1.5 * r
              : Math.abs(dx) <= r / 3 && Math.abs(dy) <= 1.5 * r;
        for (let c = 0; c < channels; c++) {
          const v = (inside ? fg[c] : bg[c]) + rng.int(21) - 10;
          images[((n * size + y) * size + x) * channels + c] = Math.max(0, Math.min(255, v));
        }
      }
    }
  }
  return makeImageSet({ images, labels, height: size, width: size, channels, classNames: SHAPE_CLASSES });
}
