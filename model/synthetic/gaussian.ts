/**
 * Correlated Gaussians, the benchmark of Poole et al. 2019 / SMILE (`utils.py`; demi.md §3):
 *   x, eps ~ N(0, I_d),  y = rho x + sqrt(1 - rho^2) eps,
 *   I(x; y) = -(d/2) log(1 - rho^2),   rho = sqrt(1 - exp(-2 I / d)).
 * Coordinates are independent pairs, so any subset S of y's coordinates carries
 * -(|S|/2) log(1 - rho^2) nats about x, and the information adds up over disjoint subsets.
 */
import type { SeededRandom } from '../../core/index.js';
import { SyntheticError } from '../errors.js';

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
