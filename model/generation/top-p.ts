/**
 * HF `TopPLogitsWarper` (nucleus sampling), with HF's ascending formulation (logits_process.py):
 *   sorted = sort(scores, ascending); cum = cumsum(softmax(sorted));
 *   remove where cum <= 1 - top_p; never remove the last (largest) `min_tokens_to_keep`.
 * HF quirks reproduced:
 * - the test is on the cumulative mass of the *smaller* tokens: a token is dropped only if all the
 *   tokens below it (itself included) hold at most 1 - top_p. The kept set is the smallest set whose
 *   mass is >= top_p *plus* any token that brings the removed mass exactly past 1 - top_p; equality
 *   (cum == 1 - top_p) removes.
 * - `top_p = 0` keeps only `min_tokens_to_keep` tokens (greedy-like), `top_p = 1` disables the
 *   warper (it is not added to the list).
 * - it runs after top-k, so its softmax is over the tokens top-k kept.
 * Differences: the softmax and cumsum are in float64 here, HF's in the scores' dtype (float32), so a
 * token whose cumulative mass lies within float32 rounding of 1 - top_p may be decided differently.
 * Ties are ordered by token id (HF's torch.sort order for ties is unspecified).
 */
import { FILTER_VALUE, type LogitsProcessor } from './logits-processor.js';

export class TopPWarper implements LogitsProcessor {
  readonly name = 'top-p';

  constructor(readonly topP: number, readonly minTokensToKeep = 1) {
    if (!(topP >= 0 && topP <= 1)) throw new RangeError(`topP has to be in [0, 1], got ${topP}`);
    if (!Number.isInteger(minTokensToKeep) || minTokensToKeep < 1) throw new RangeError(`minTokensToKeep has to be >= 1, got ${minTokensToKeep}`);
  }

  process(scores: Float32Array): void {
    // Tokens already at -inf have probability 0: HF removes them too (cum 0 <= 1 - p) or keeps them
    // at -inf (min_tokens_to_keep), so only finite scores need sorting.
    const finite: number[] = [];
    for (let i = 0; i < scores.length; i++) if (scores[i] !== -Infinity) finite.push(i);
    finite.sort((a, b) => scores[a] - scores[b] || b - a); // ascending; ties: larger id first, so smaller id ranks higher
    const n = finite.length;
    if (n === 0) return;
    const max = scores[finite[n - 1]];
    let z = 0;
    for (const i of finite) z += Math.exp(scores[i] - max);
    const limit = 1 - this.topP;
    const protectedFrom = n - this.minTokensToKeep; // positions >= this are always kept
    let cum = 0;
    for (let r = 0; r < n; r++) {
      const i = finite[r];
      cum += Math.exp(scores[i] - max) / z;
      if (cum <= limit && r < protectedFrom) scores[i] = FILTER_VALUE;
      else if (cum > limit) break; // cum only grows: nothing above is removed
    }
  }
}
