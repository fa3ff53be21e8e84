/**
 * NWJ / f-divergence bound (Nguyen, Wainwright & Jordan 2010; demi.md §2.7; SMILE `nwj_lower_bound`):
 *   I_NWJ(S) = 1 + mean(diag(S - 1)) - exp(logmeanexp_{i != j}(S_ij - 1))
 *            = mean_i S_ii - e^{-1} mean_{i != j} e^{S_ij}.
 * A lower bound for every critic; its optimal critic is 1 + log p(y|x)/p(y). Unbiased but its
 * variance grows like e^{I}, so it is only useful at small MI.
 */
import { tf } from '../engine/index.js';
import { checkSquare, diagOf, logMeanExpOffDiag } from './matrix.js';

export function nwj(scores: tf.Tensor2D): tf.Scalar {
  checkSquare(scores, 'nwj');
  return tf.tidy(() => {
    const shifted = tf.sub(scores, 1) as tf.Tensor2D;
    return tf.sub(tf.add(1, tf.mean(diagOf(shifted))), tf.exp(logMeanExpOffDiag(shifted))) as tf.Scalar;
  });
}
