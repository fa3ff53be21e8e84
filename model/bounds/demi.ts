/**
 * DEMI (demi.md §2.3, §2.6; DESIGN §4): with nested subviews y(1) ⊂ y(2) ⊂ ... ⊂ y(M) = y,
 *   I(x; y) = I(x; y(1)) + sum_{k=2}^{M} I(x; y(k) | y(k-1)),
 * each term bounded by its own contrastive bound:
 *   I_DEMI = infoNCE(S_1) + sum_k conditional bound of level k.
 * Each term is <= log N (log(K+1) for exact negatives), so the total can reach M log N instead of
 * log N. Returns the total and every term, so trainers can log each one.
 *
 * Levels (index 0 is the unconditional term and must be `{ scores }`):
 * - `{ scores }`: score matrix of the level's critic, S_k[i][j] = critic_k(x_j, y_i(k)). For k >= 2
 *   it is an importance-weighted conditional term whose log-weights default to the cumulative score
 *   of the levels before it, S_1 + phi_2 + ... + phi_{k-1}: in the boosted parameterisation that sum
 *   is the critic of I(x; y(k-1)), i.e. log p(x | y(k-1))/p(x) + c (demi.md §2.6). With M = 2 this is
 *   just S_1.
 * - `{ scores, logWeights }`: the same with the log-weights given explicitly.
 * - `{ positive, negatives }`: a conditional term with exact negatives (conditionalInfoNCEExact).
 */
import { tf } from '../engine/index.js';
import { conditionalInfoNCE, conditionalInfoNCEExact } from './conditional.js';
import { BoundsError } from '../errors.js';
import { infoNCE } from './infonce.js';

export type DemiLevel =
  | { scores: tf.Tensor2D; logWeights?: tf.Tensor2D }
  | { positive: tf.Tensor1D; negatives: tf.Tensor2D };

export interface DemiResult {
  /** Sum of the terms: the DEMI estimate of I(x; y) (maximise it, or use -total as the loss). */
  total: tf.Scalar;
  /** terms[0] = I(x; y(1)); terms[k] = I(x; y(k+1) | y(k)). */
  terms: tf.Scalar[];
}

export function demi(levels: DemiLevel[]): DemiResult {
  if (levels.length === 0) throw new BoundsError('demi: needs at least one level (M >= 1 subviews)');
  const first = levels[0];
  if (!('scores' in first) || first.logWeights !== undefined) {
    throw new BoundsError('demi: level 1 is the unconditional term I(x; y(1)); give it as { scores } (an N x N matrix), without weights or exact negatives');
  }
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [infoNCE(first.scores)];
    let cumulative: tf.Tensor2D | null = first.scores;
    for (let k = 1; k < levels.length; k++) {
      const level = levels[k];
      if ('scores' in level) {
        let logW = level.logWeights;
        if (logW === undefined) {
          if (cumulative === null) {
            throw new BoundsError(
              `demi: level ${k + 1} has no logWeights and an earlier level used exact negatives, so there is no cumulative score to weight with; pass logWeights explicitly`,
            );
          }
          logW = cumulative;
        }
        terms.push(conditionalInfoNCE(level.scores, logW));
        cumulative = cumulative === null ? null : (tf.add(cumulative, level.scores) as tf.Tensor2D);
      } else if ('positive' in level) {
        terms.push(conditionalInfoNCEExact(level.positive, level.negatives));
        cumulative = null;
      } else {
        throw new BoundsError(`demi: level ${k + 1} must be { scores } or { scores, logWeights } or { positive, negatives }`);
      }
    }
    const total = terms.length === 1 ? tf.clone(terms[0]) : (tf.addN(terms) as tf.Scalar);
    return { total, terms };
  });
}
