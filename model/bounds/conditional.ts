/**
 * DEMI's contrastive bound on a conditional term I(x; y | y') (demi.md §2.4-2.5, DESIGN §4), y' the
 * less informed subview of y. Negatives should be drawn from p(x | y'); two ways to get them:
 *
 * - `conditionalInfoNCE(phi, logW)`: importance-weighted in-batch negatives ("Proposition 3" of
 *   arXiv 2106.13401, demi.md §2.5a). The in-batch x_j come from p(x); since
 *   p(x | y'_i) ∝ p(x) e^{psi*(x, y'_i)}, self-normalised weights
 *     w_ij = softmax_{j != i}(logW_ij)
 *   from the critic of the less informed level turn them into (approximate) samples of p(x | y'_i):
 *     I_IS = mean_i [ phi_ii - log( (1/N) (e^{phi_ii} + (N-1) sum_{j != i} w_ij e^{phi_ij}) ) ].
 *   The weights carry no gradient (stopGradient). This is an approximation, not a guaranteed lower
 *   bound: it is exact as N -> inf with the optimal critics, and degrades when I(x; y') >> log N,
 *   where the weights collapse onto the nearest in-batch sample and the term overshoots its truth
 *   (README, "What it shows"). Each term is still <= log N.
 *
 * - `conditionalInfoNCEExact(positive, negatives)`: K candidates per anchor sampled from the true
 *   p(x | y'_i) (possible on synthetic data): plain InfoNCE with K + 1 candidates,
 *     I = mean_i [ pos_i - logsumexp(pos_i, neg_i1..neg_iK) ] + log(K + 1),
 *   a true lower bound on I(x; y | y'), never above log(K + 1).
 *
 * Matrix convention as everywhere: phi[i][j] = phi(x_j, y'_i, y_i), positives on the diagonal;
 * logW[i][j] = the less informed level's score of (x_j, y'_i).
 */
import { tf } from '../engine/index.js';
import { BoundsError } from '../errors.js';
import { checkSquare, diagOf, maskDiag } from './matrix.js';
import { stopGradient } from './stop-gradient.js';

/** Importance weights log w_ij = log softmax_{j != i}(logW_ij), diagonal at ~MASK_VALUE. No gradient. */
export function importanceLogWeights(logW: tf.Tensor2D): tf.Tensor2D {
  checkSquare(logW, 'importanceLogWeights');
  return tf.tidy(() => tf.logSoftmax(maskDiag(stopGradient(logW)), 1) as tf.Tensor2D);
}

/**
 * Effective sample size of each anchor's importance weights, 1 / sum_j w_ij^2, in [1, N-1] ([N]).
 * A diagnostic for conditionalInfoNCE: near 1 the weights have collapsed onto one in-batch sample
 * (I(x; y') well above log N) and the importance-weighted term overestimates.
 */
export function importanceESS(logW: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.div(1, tf.sum(tf.exp(tf.mul(importanceLogWeights(logW), 2)), 1)) as tf.Tensor1D);
}

export function conditionalInfoNCE(phi: tf.Tensor2D, logW: tf.Tensor2D): tf.Scalar {
  const n = checkSquare(phi, 'conditionalInfoNCE (phi)');
  checkSquare(logW, 'conditionalInfoNCE (logW)');
  if (logW.shape[0] !== n) {
    throw new BoundsError(`conditionalInfoNCE: phi is ${n} x ${n} but logW is ${logW.shape[0]} x ${logW.shape[1]}; both must score the same batch`);
  }
  return tf.tidy(() => {
    const logWeights = importanceLogWeights(logW);
    const positive = diagOf(phi);
    // log((N-1) w_ij e^{phi_ij}) for j != i; the diagonal is ~ -1e9 and drops out of the logsumexp
    const weighted = tf.add(tf.add(logWeights, maskDiag(phi)), Math.log(n - 1));
    const all = tf.concat([tf.expandDims(positive, 1), weighted], 1);
    const logDenominator = tf.sub(tf.logSumExp(all, 1), Math.log(n));
    return tf.mean(tf.sub(positive, logDenominator)) as tf.Scalar;
  });
}

export function conditionalInfoNCEExact(positive: tf.Tensor1D, negatives: tf.Tensor2D): tf.Scalar {
  if (positive.rank !== 1 || negatives.rank !== 2 || negatives.shape[0] !== positive.shape[0]) {
    throw new BoundsError(
      `conditionalInfoNCEExact: expected positive scores [N] and negative scores [N, K] for the same N anchors, ` +
        `got [${positive.shape}] and [${negatives.shape}]`,
    );
  }
  const k = negatives.shape[1];
  if (k < 1) throw new BoundsError('conditionalInfoNCEExact: needs at least one negative per anchor (K >= 1)');
  return tf.tidy(() => {
    const all = tf.concat([tf.expandDims(positive, 1), negatives], 1);
    return tf.add(tf.mean(tf.sub(positive, tf.logSumExp(all, 1))), Math.log(k + 1)) as tf.Scalar;
  });
}
