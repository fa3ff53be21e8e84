/**
 * InfoNCE (van den Oord et al. 2018; demi.md §2.2; SMILE `infonce_lower_bound`):
 *   I_NCE(S) = mean_i ( S_ii - logsumexp_j S_ij ) + log N.
 * A lower bound on I(x; y) that never exceeds log N; the optimal critic is the pointwise MI
 * log p(y|x)/p(y) up to a per-row constant c(y_i).
 */
import { tf } from '../engine/index.js';
import { checkSquare, diagOf } from './matrix.js';

export function infoNCE(scores: tf.Tensor2D): tf.Scalar {
  const n = checkSquare(scores, 'infoNCE');
  return tf.tidy(() => tf.add(tf.mean(tf.sub(diagOf(scores), tf.logSumExp(scores, 1))), Math.log(n)) as tf.Scalar);
}
