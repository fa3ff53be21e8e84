/**
 * Donsker-Varadhan (MINE without the moving average; demi.md §2.7, dim.md §1.1 Eq. 2; SMILE
 * `dv_upper_lower_bound`):
 *   I_DV(S) = mean_i S_ii - logmeanexp_{i != j} S_ij.
 * Its optimum is log p(y|x)/p(y) + any constant. Estimated on a batch, the log outside the mean
 * makes it biased (and not a strict lower bound); the gradient of the partition term is biased too,
 * which is what MINE's EMA corrects (mine.ts).
 */
import { tf } from '../engine/index.js';
import { checkSquare, diagOf, logMeanExpOffDiag } from './matrix.js';

export function dv(scores: tf.Tensor2D): tf.Scalar {
  checkSquare(scores, 'dv');
  return tf.tidy(() => tf.sub(tf.mean(diagOf(scores)), logMeanExpOffDiag(scores)) as tf.Scalar);
}
