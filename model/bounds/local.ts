/**
 * Multi-location forms of the bounds, for DIM's local objective (docs/ARCHITECTURE.md §9): scores
 * u[i][j][l] = critic(local feature l of image j, global feature of image i), shape [N, N, L].
 * Positives: i == j at every location l; negatives: i != j at every location (same-image pairs at
 * other locations are never negatives). Each reduces to its 2-D bound when L = 1.
 *
 * - `localJsd(u)`:  mean_{i,l}[-softplus(-u_iil)] - mean_{i != j, l}[softplus(u_ijl)]  (DIM's
 *   `fenchel_dual_loss` with measure JSD, up to the constant 2 log 2; plain means over the
 *   N·L positive and N(N-1)·L negative pairs).
 * - `localDv(u)`:   mean_{i,l} u_iil - logmeanexp_{i != j, l} u_ijl  (DIM's *intended*
 *   `donsker_varadhan_loss`, one batch-wide log-mean-exp; not the broadcast bug of the newest code).
 * - `localInfoNCE(u)`: DIM's `infonce_loss`: every positive (i, l) is contrasted with all L
 *   locations of the N-1 other images (the same (N-1)·L negatives for every l of image i):
 *     mean_{i,l}[ u_iil - log(e^{u_iil} + sum_{j != i, l'} e^{u_ijl'}) ] + log(1 + (N-1) L).
 *   Never above log(1 + (N-1) L). DIM's code sets same-image entries to -10 (leaving L terms of
 *   e^-10 in each denominator); here they are masked out completely.
 *
 * Softplus is computed as relu(u) + log1p(e^-|u|), finite in value and gradient for any score:
 * DIM's unscaled dot-product scores reach hundreds at mi_units 512+ in the first steps, and TF.js's
 * Softplus gradient, dy·sigmoid(u), depends on the backend's Sigmoid far out in the tails (the
 * native kernel returned NaN below -88 before the engine's IEEE fix, 2e3f09b).
 */
import { tf } from '../engine/index.js';
import { BoundsError } from '../errors.js';
import { MASK_VALUE } from './bounds.js';

/** softplus(x) = log(1 + e^x) with finite values and gradients everywhere. */
export function stableSoftplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/** Throws unless `u` is [N, N, L] with N >= 2 and L >= 1. Returns [N, L]. */
export function checkLocalScores(u: tf.Tensor, name: string): [number, number] {
  const shape = u.shape as number[];
  if (u.rank !== 3 || shape[0] !== shape[1] || !(shape[2] >= 1)) {
    throw new BoundsError(`${name}: expected scores [N, N, L] with u[i][j][l] = critic(local l of image j, global of image i), got shape [${u.shape}]`);
  }
  if (shape[0] < 2) throw new BoundsError(`${name}: needs a batch of at least 2 images (negatives come from other images), got N = ${shape[0]}`);
  return [shape[0], shape[2]];
}

/** [N, N, 1] identity mask, broadcast over the locations. */
function eye3(n: number): tf.Tensor3D {
  return tf.expandDims(tf.eye(n), 2) as tf.Tensor3D;
}

/** The positive scores u[i][i][l], as [N, L]. */
export function localPositives(u: tf.Tensor3D): tf.Tensor2D {
  const [n] = checkLocalScores(u, 'localPositives');
  return tf.tidy(() => tf.sum(tf.mul(u, eye3(n)), 1) as tf.Tensor2D);
}

export function localJsd(u: tf.Tensor3D): tf.Scalar {
  const [n, l] = checkLocalScores(u, 'localJsd');
  return tf.tidy(() => {
    const positive = tf.mean(tf.neg(stableSoftplus(tf.neg(localPositives(u)))));
    const off = tf.sub(1, eye3(n));
    const negative = tf.div(tf.sum(tf.mul(stableSoftplus(u), off)), n * (n - 1) * l);
    return tf.sub(positive, negative) as tf.Scalar;
  });
}

export function localDv(u: tf.Tensor3D): tf.Scalar {
  const [n, l] = checkLocalScores(u, 'localDv');
  return tf.tidy(() => {
    const positive = tf.mean(localPositives(u));
    const masked = tf.add(u, tf.mul(eye3(n), MASK_VALUE));
    const logMeanExp = tf.sub(tf.logSumExp(masked), Math.log(n * (n - 1) * l));
    return tf.sub(positive, logMeanExp) as tf.Scalar;
  });
}

export function localInfoNCE(u: tf.Tensor3D): tf.Scalar {
  const [n, l] = checkLocalScores(u, 'localInfoNCE');
  return tf.tidy(() => {
    const positive = localPositives(u); // [N, L]
    const masked = tf.add(u, tf.mul(eye3(n), MASK_VALUE));
    const negatives = tf.logSumExp(tf.reshape(masked, [n, n * l]), 1, true); // [N, 1], shared by every l of image i
    const denominator = tf.logSumExp(tf.stack([positive, tf.broadcastTo(negatives, [n, l])], 2), 2); // [N, L]
    return tf.add(tf.mean(tf.sub(positive, denominator)), Math.log(1 + (n - 1) * l)) as tf.Scalar;
  });
}
