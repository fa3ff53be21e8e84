/**
 * Jensen-Shannon objective in DIM's softplus form (dim.md §1.1 Eq. 4, §1.2 `fenchel_dual_loss` with
 * measure JSD; SMILE `js_fgan_lower_bound`):
 *   jsd(S) = E_P[-softplus(-S_ii)] - E_N[softplus(S_ij)],  P = diagonal (N terms), N = off-diagonal
 *   (N(N-1) terms), each a plain mean.
 *
 * This is NOT an MI value in nats: it is the f-GAN lower bound on 2·JSD(p(x,y) || p(x)p(y)) - log 4
 * (always <= 0; DIM's own loss adds 2 log 2 to it). It is a monotone-ish proxy that is stable to
 * train, and its optimal critic is the log density ratio log p(y|x)/p(y). To read an MI estimate
 * off a JSD-trained critic use `jsdMI` below.
 */
import { tf } from '../engine/index.js';
import { checkSquare, diagOf, logMeanExpOffDiag, meanOffDiag } from './matrix.js';

export function jsd(scores: tf.Tensor2D): tf.Scalar {
  checkSquare(scores, 'jsd');
  return tf.tidy(() => {
    const positive = tf.mean(tf.neg(tf.softplus(tf.neg(diagOf(scores)))));
    const negative = meanOffDiag(tf.softplus(scores) as tf.Tensor2D);
    return tf.sub(positive, negative) as tf.Scalar;
  });
}

/**
 * An MI estimate (nats) from a JSD-trained critic, as Poole et al. 2019 propose: since the JSD
 * optimum is T* = log p(y|x)/p(y) and the NWJ optimum is 1 + that, evaluate NWJ at S + 1:
 *   jsdMI(S) = nwj(S + 1) = 1 + mean_i S_ii - mean_{i != j} e^{S_ij}  (the TUBA form with baseline 1).
 * (SMILE's `js_lower_bound` evaluates nwj(S) instead, which is I - 1/e at the optimum; we use S + 1.)
 * Differentiable, but meant for reporting: train with `jsd`.
 */
export function jsdMI(scores: tf.Tensor2D): tf.Scalar {
  checkSquare(scores, 'jsdMI');
  return tf.tidy(() => tf.sub(tf.add(1, tf.mean(diagOf(scores))), tf.exp(logMeanExpOffDiag(scores))) as tf.Scalar);
}
