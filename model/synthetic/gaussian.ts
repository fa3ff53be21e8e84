/**
 * Correlated Gaussians, the benchmark of Poole et al. 2019 / SMILE (`utils.py`; docs/ARCHITECTURE.md §4):
 *   x, eps ~ N(0, I_d),  y = rho x + sqrt(1 - rho^2) eps,
 *   I(x; y) = -(d/2) log(1 - rho^2),   rho = sqrt(1 - exp(-2 I / d)).
 * Coordinates are independent pairs, so any subset S of y's coordinates carries
 * -(|S|/2) log(1 - rho^2) nats about x, and the information adds up over disjoint subsets.
 */
import type { SeededRandom } from '../../core/index.js';
import { SyntheticError } from '../errors.js';
import { tf } from '../engine/index.js';

export function miToRho(mi: number, dim: number): number {
  if (!(mi >= 0) || !Number.isFinite(mi)) throw new SyntheticError(`miToRho: MI must be a finite number >= 0 nats, got ${mi}`);
  if (!(dim >= 1)) throw new SyntheticError(`miToRho: dimension must be >= 1, got ${dim}`);
  return Math.sqrt(1 - Math.exp((-2 * mi) / dim));
}

export function rhoToMI(rho: number, dim: number): number {
  if (!(Math.abs(rho) < 1)) throw new SyntheticError(`rhoToMI: |rho| must be < 1, got ${rho}`);
  return -0.5 * dim * Math.log(1 - rho * rho);
}

/** MI (nats) that `coords` coordinates of y carry about x, for a per-coordinate correlation rho. */
export function coordinatesMI(coords: number, rho: number): number {
  return -0.5 * coords * Math.log(1 - rho * rho);
}

export interface GaussianBatch {
  /** Row-major [n, dim]. */
  x: Float32Array;
  /** Row-major [n, dim]. */
  y: Float32Array;
  n: number;
  dim: number;
  rho: number;
}

/** n pairs (x, y) with per-coordinate correlation rho. */
export function sampleCorrelatedGaussian(rng: SeededRandom, n: number, dim: number, rho: number): GaussianBatch {
  if (!(Math.abs(rho) < 1)) throw new SyntheticError(`sampleCorrelatedGaussian: |rho| must be < 1, got ${rho}`);
  const x = rng.normalArray(n * dim);
  const y = rng.normalArray(n * dim);
  const s = Math.sqrt(1 - rho * rho);
  for (let i = 0; i < y.length; i++) y[i] = rho * x[i] + s * y[i];
  return { x, y, n, dim, rho };
}

// ---- subviews

/**
 * Nested subviews of y (docs/ARCHITECTURE.md §4; the prefix rule of §5 applied to coordinates): with M subviews,
 * y(k) = the first ceil(k d / M) coordinates of y, k = 1..M, so y(1) ⊂ y(2) ⊂ ... ⊂ y(M) = y.
 * Level k adds the chunk of coordinates [size(k-1), size(k)).
 */
/** sizes[k-1] = |y(k)| = ceil(k d / M). */
export function subviewSizes(dim: number, subviews: number): number[] {
  if (!Number.isInteger(subviews) || subviews < 1) throw new SyntheticError(`subviews: M must be an integer >= 1, got ${subviews}`);
  if (subviews > dim) throw new SyntheticError(`subviews: M = ${subviews} is more than the ${dim} coordinates of y; choose M <= d`);
  return Array.from({ length: subviews }, (_, k) => Math.ceil(((k + 1) * dim) / subviews));
}

/** The true value of every DEMI term: [I(x; y(1)), I(x; y(2) | y(1)), ...], in nats. */
export function trueTerms(dim: number, subviews: number, rho: number): number[] {
  const sizes = subviewSizes(dim, subviews);
  return sizes.map((size, k) => coordinatesMI(size - (k === 0 ? 0 : sizes[k - 1]), rho));
}

/** Copies the first `size` coordinates of each row of a row-major [n, dim] array. */
export function sliceColumns(data: Float32Array, n: number, dim: number, size: number): Float32Array {
  if (size === dim) return data;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) out.set(data.subarray(i * dim, i * dim + size), i * size);
  return out;
}

// ---- conditional sampler

/**
 * Exact conditional negatives for DEMI's conditional terms (docs/ARCHITECTURE.md §4): given the subview
 * y' = y_S (the first `known` coordinates), x is Gaussian with independent coordinates,
 *   x_c | y_c ~ N(rho y_c, 1 - rho^2) for c in S,   x_c ~ N(0, 1) otherwise.
 */
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

// ---- optimal critic

/**
 * Closed-form critics for correlated Gaussians: the pointwise MI of the coordinates [from, to),
 *   pmi(x, y) = sum_{c in [from,to)} [ -log(1 - rho^2)/2 - (y_c - rho x_c)^2 / (2 (1 - rho^2)) + y_c^2 / 2 ],
 * which is log p(y_S | x_S) / p(y_S). With [0, d) it is the optimal critic of I(x; y); with the chunk
 * a subview adds, [size(k-1), size(k)), it is the optimal conditional critic
 * log p(x | y(k)) / p(x | y(k-1)); with [0, size(k-1)) the optimal importance log-weights.
 * Used by the tests (estimators with the optimal critic plugged in) and as a reference.
 */
/** pmi of the x row starting at xAt and the y row starting at yAt, over coordinates [from, to). */
function pmi(xs: Float32Array, xAt: number, ys: Float32Array, yAt: number, rho: number, from: number, to: number): number {
  const v = 1 - rho * rho;
  let acc = -0.5 * (to - from) * Math.log(v);
  for (let c = from; c < to; c++) {
    const yc = ys[yAt + c];
    const d = yc - rho * xs[xAt + c];
    acc += -(d * d) / (2 * v) + (yc * yc) / 2;
  }
  return acc;
}

/** S[i][j] = pmi(x_j, y_i) over coordinates [from, to); xs and ys row-major [n, dim]. */
export function optimalScores(xs: Float32Array, ys: Float32Array, n: number, dim: number, rho: number, from = 0, to = dim): tf.Tensor2D {
  const s = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) s[i * n + j] = pmi(xs, j * dim, ys, i * dim, rho, from, to);
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
  for (let a = 0; a < anchors; a++) {
    for (let m = 0; m < k; m++) {
      out[a * k + m] = pmi(candidates, (a * k + m) * dim, ys, a * dim, rho, from, to);
    }
  }
  return tf.tensor2d(out, [anchors, k]);
}
