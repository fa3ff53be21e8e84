/**
 * Helpers on square score matrices S[i][j] = critic(x_j, y_i): positives on the diagonal, in-batch
 * negatives off it. Diagonal extraction and masking use an identity mask (elementwise products), not
 * gather, so their gradients need no UnsortedSegmentSum (missing on wasm, DESIGN §3).
 */
import { tf } from '../engine/index.js';
import { BoundsError } from '../errors.js';

/** Added to masked entries before a logsumexp: large enough to vanish, finite so gradients stay finite (demi.md §7). */
export const MASK_VALUE = -1e9;

/** Throws unless `s` is a finite-size square N x N matrix with N >= minN. Returns N. */
export function checkSquare(s: tf.Tensor, name: string, minN = 2): number {
  if (s.rank !== 2 || s.shape[0] !== s.shape[1]) {
    throw new BoundsError(`${name}: expected a square N x N score matrix S[i][j] = critic(x_j, y_i), got shape [${s.shape}]`);
  }
  const n = s.shape[0];
  if (n < minN) throw new BoundsError(`${name}: needs a batch of at least ${minN} (one positive and negatives per row), got N = ${n}`);
  return n;
}

/** The diagonal of a square matrix, as a vector [N] (differentiable). */
export function diagOf(s: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(s, tf.eye(s.shape[0])), 1) as tf.Tensor1D);
}

/** S with the diagonal pushed to MASK_VALUE, so a logsumexp over a row sees only the negatives. */
export function maskDiag(s: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(s, tf.mul(tf.eye(s.shape[0]), MASK_VALUE)) as tf.Tensor2D);
}

/** log of the mean of exp(S_ij) over the N(N-1) off-diagonal entries (a batch-wide log-mean-exp). */
export function logMeanExpOffDiag(s: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = s.shape[0];
    return tf.sub(tf.logSumExp(maskDiag(s)), Math.log(n * (n - 1))) as tf.Scalar;
  });
}

/** Mean of f(S_ij) over the off-diagonal entries, for an elementwise f already applied to S. */
export function meanOffDiag(values: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = values.shape[0];
    const off = tf.sub(1, tf.eye(n));
    return tf.div(tf.sum(tf.mul(values, off)), n * (n - 1)) as tf.Scalar;
  });
}
