/**
 * Exact conditional negatives for DEMI's conditional terms (demi.md §3): given the subview
 * y' = y_S (the first `known` coordinates), x is Gaussian with independent coordinates,
 *   x_c | y_c ~ N(rho y_c, 1 - rho^2) for c in S,   x_c ~ N(0, 1) otherwise.
 */
import type { SeededRandom } from '../../core/index.js';
import { SyntheticError } from '../errors.js';

/**
 * For each of the first `anchors` rows of y (row-major [n, dim]), `k` samples of x ~ p(x | y_{1..known}).
 * Returns row-major [anchors * k, dim]: the samples for anchor a are rows a*k .. a*k + k - 1.
 */
export function sampleConditionalX(
  rng: SeededRandom, y: Float32Array, dim: number, rho: number, known: number, anchors: number, k: number,
): Float32Array {
  if (known < 0 || known > dim) throw new SyntheticError(`sampleConditionalX: known coordinates must be in [0, ${dim}], got ${known}`);
  if (y.length < anchors * dim) throw new SyntheticError(`sampleConditionalX: y has ${y.length / dim} rows, fewer than the ${anchors} anchors asked for`);
  const out = rng.normalArray(anchors * k * dim);
  const s = Math.sqrt(1 - rho * rho);
  for (let a = 0; a < anchors; a++) {
    for (let m = 0; m < k; m++) {
      const row = (a * k + m) * dim;
      for (let c = 0; c < known; c++) out[row + c] = rho * y[a * dim + c] + s * out[row + c];
    }
  }
  return out;
}
