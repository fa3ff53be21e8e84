/**
 * Choosing the next token from processed scores: greedy argmax (HF `torch.argmax`: the first of
 * tied maxima) and multinomial sampling from softmax(scores) with a SeededRandom (HF
 * `torch.multinomial(softmax(scores), 1)`), plus the log-softmax beam search scores with.
 * All in float64 over a Float32Array row.
 */
import type { SeededRandom } from '../../core/index.js';

/** Index of the largest score (the first one on ties); -1 when every score is -inf or NaN. */
export function argmax(scores: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] > bestValue) {
      bestValue = scores[i];
      best = i;
    }
  }
  return best;
}

/**
 * Inverse-CDF draw from softmax(scores) with one uniform from `random`; tokens at -inf have
 * probability 0 and are never drawn. Returns -1 when no token has positive probability.
 */
export function sampleToken(scores: Float32Array, random: SeededRandom): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  if (max === -Infinity || Number.isNaN(max)) return -1;
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += Math.exp(scores[i] - max);
  const target = random.uniform() * z;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < scores.length; i++) {
    const w = Math.exp(scores[i] - max);
    if (w === 0) continue;
    cum += w;
    last = i;
    if (target < cum) return i;
  }
  return last; // rounding put the target past the sum: the last token with mass
}

/** log_softmax over one row, in place. */
export function logSoftmaxInPlace(scores: Float32Array): void {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  if (max === -Infinity) return;
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += Math.exp(scores[i] - max);
  const logZ = max + Math.log(z);
  for (let i = 0; i < scores.length; i++) scores[i] = scores[i] - logZ;
}
