/**
 * The minibatches of one epoch: a seeded permutation of 0..count-1 cut into batches. DIM drops the
 * incomplete last batch (`skip_last_batch=True`: its N x N score masks and BatchNorm want full
 * batches), so dropLast defaults to true.
 */

import type { SeededRandom } from '../../core/index.js';

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
