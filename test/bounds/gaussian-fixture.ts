/** Correlated-Gaussian batches and their closed-form (optimal) critics, for the bounds tests. */
import { tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { miToRho, optimalScores, sampleCorrelatedGaussian, type GaussianBatch } from '../../model/synthetic/index.js';

export const D = 20;
export const N = 128;

export function batches(seed: number, mi: number, count: number, n = N): GaussianBatch[] {
  const rng = new SeededRandom(seed);
  const rho = miToRho(mi, D);
  return Array.from({ length: count }, () => sampleCorrelatedGaussian(rng, n, D, rho));
}

/** The optimal critic's score matrix over coordinates [from, to), shifted by `shift`. */
export function optimal(b: GaussianBatch, from = 0, to = D, shift = 0): tf.Tensor2D {
  return tf.tidy(() => tf.add(optimalScores(b.x, b.y, b.n, D, b.rho, from, to), shift) as tf.Tensor2D);
}

/** Runs f on each batch, returns the scalar values. */
export function values(bs: GaussianBatch[], f: (b: GaussianBatch) => tf.Scalar): number[] {
  return bs.map((b) => tf.tidy(() => f(b).dataSync()[0]));
}

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
