/**
 * HF `TopKLogitsWarper`: keep the k highest scores, set the rest to -Infinity.
 * HF rule (logits_process.py): `top_k = min(max(top_k, min_tokens_to_keep), V)`;
 * `indices_to_remove = scores < topk(scores, top_k).values[..., -1]`.
 * HF quirks reproduced:
 * - removal is *strictly less than* the k-th largest value, so every token tied with the k-th
 *   value survives: more than k tokens can stay.
 * - `min_tokens_to_keep` raises k (beam search passes 2 in HF; we only use top-k when sampling).
 * - HF's default `top_k` is 50 and it applies whenever sampling, even if the user only set top_p.
 * - `top_k = 0` disables the warper (it is not added to the list).
 */
import { FILTER_VALUE, type LogitsProcessor } from './logits-processor.js';

/** The k-th largest value of `values` (1-based k), in O(V log k) with a min-heap of size k. */
export function kthLargest(values: Float32Array, k: number): number {
  if (k < 1 || k > values.length) throw new RangeError(`kthLargest: k=${k} outside [1, ${values.length}]`);
  const heap = new Float64Array(k);
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heap[l] < heap[m]) m = l;
      if (r < size && heap[r] < heap[m]) m = r;
      if (m === i) return;
      const t = heap[i]; heap[i] = heap[m]; heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (size < k) {
      let j = size++;
      heap[j] = v;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (heap[p] <= heap[j]) break;
        const t = heap[p]; heap[p] = heap[j]; heap[j] = t;
        j = p;
      }
    } else if (v > heap[0]) {
      heap[0] = v;
      siftDown(0);
    }
  }
  return heap[0];
}

export class TopKWarper implements LogitsProcessor {
  readonly name = 'top-k';

  constructor(readonly topK: number, readonly minTokensToKeep = 1) {
    if (!Number.isInteger(topK) || topK <= 0) throw new RangeError(`topK has to be a positive integer, got ${topK}`);
    if (!Number.isInteger(minTokensToKeep) || minTokensToKeep < 1) throw new RangeError(`minTokensToKeep has to be >= 1, got ${minTokensToKeep}`);
  }

  process(scores: Float32Array): void {
    const k = Math.min(Math.max(this.topK, this.minTokensToKeep), scores.length);
    const threshold = kthLargest(scores, k);
    for (let i = 0; i < scores.length; i++) if (scores[i] < threshold) scores[i] = FILTER_VALUE;
  }
}
