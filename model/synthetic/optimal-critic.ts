/**
 * Closed-form critics for correlated Gaussians: the pointwise MI of the coordinates [from, to),
 *   pmi(x, y) = sum_{c in [from,to)} [ -log(1 - rho^2)/2 - (y_c - rho x_c)^2 / (2 (1 - rho^2)) + y_c^2 / 2 ],
 * which is log p(y_S | x_S) / p(y_S). With [0, d) it is the optimal critic of I(x; y); with the chunk
 * a subview adds, [size(k-1), size(k)), it is the optimal conditional critic
 * log p(x | y(k)) / p(x | y(k-1)); with [0, size(k-1)) the optimal importance log-weights.
 * Used by the tests (estimators with the optimal critic plugged in) and as a reference.
 */
import { tf } from '../engine/index.js';

/** S[i][j] = pmi(x_j, y_i) over coordinates [from, to); xs and ys row-major [n, dim]. */
export function optimalScores(xs: Float32Array, ys: Float32Array, n: number, dim: number, rho: number, from = 0, to = dim): tf.Tensor2D {
  const s = new Float32Array(n * n);
  const v = 1 - rho * rho;
  const c0 = -0.5 * (to - from) * Math.log(v);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = c0;
      for (let c = from; c < to; c++) {
        const yc = ys[i * dim + c];
        const d = yc - rho * xs[j * dim + c];
        acc += -(d * d) / (2 * v) + (yc * yc) / 2;
      }
      s[i * n + j] = acc;
    }
  }
  return tf.tensor2d(s, [n, n]);
}

/**
 * Scores of candidates against their own anchor: out[a][m] = pmi(cand_{a,m}, y_a) over [from, to),
 * candidates row-major [anchors * k, dim] grouped by anchor (as sampleConditionalX returns them).
 */
export function optimalCandidateScores(
  candidates: Float32Array, ys: Float32Array, anchors: number, k: number, dim: number, rho: number, from: number, to: number,
): tf.Tensor2D {
  const out = new Float32Array(anchors * k);
  const v = 1 - rho * rho;
  const c0 = -0.5 * (to - from) * Math.log(v);
  for (let a = 0; a < anchors; a++) {
    for (let m = 0; m < k; m++) {
      let acc = c0;
      for (let c = from; c < to; c++) {
        const yc = ys[a * dim + c];
        const d = yc - rho * candidates[(a * k + m) * dim + c];
        acc += -(d * d) / (2 * v) + (yc * yc) / 2;
      }
      out[a * k + m] = acc;
    }
  }
  return tf.tensor2d(out, [anchors, k]);
}
