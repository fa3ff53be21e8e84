/** Horizontal (left-right) flips. */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch, Pixels } from '../batch.js';

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
