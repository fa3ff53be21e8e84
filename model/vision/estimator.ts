/**
 * The MI estimators DIM trains with (dim.md §1), all from model/bounds: JSD (DIM's default, a
 * softplus binary cross-entropy), InfoNCE and DV. `pairEstimate` scores N x N matrices (global DIM,
 * one score per image pair); `localEstimate` the [N, N, L] local scores. Both return the value to
 * maximise.
 */
import { dv, infoNCE, localDv, localInfoNCE, localJsd } from '../bounds/index.js';
import { tf } from '../engine/index.js';
import { VisionError } from '../errors.js';

export type Estimator = 'jsd' | 'infonce' | 'dv';
export const ESTIMATORS: Estimator[] = ['jsd', 'infonce', 'dv'];

function check(estimator: string): asserts estimator is Estimator {
  if (!(ESTIMATORS as string[]).includes(estimator)) throw new VisionError(`unknown estimator '${estimator}': choose one of ${ESTIMATORS.join(', ')}`);
}

export function pairEstimate(estimator: Estimator, scores: tf.Tensor2D): tf.Scalar {
  check(estimator);
  // JSD via the L = 1 local form (the same value as bounds' jsd) for its NaN-free softplus gradient.
  if (estimator === 'jsd') return tf.tidy(() => localJsd(tf.expandDims(scores, 2) as tf.Tensor3D));
  return estimator === 'infonce' ? infoNCE(scores) : dv(scores);
}

export function localEstimate(estimator: Estimator, scores: tf.Tensor3D): tf.Scalar {
  check(estimator);
  return estimator === 'jsd' ? localJsd(scores) : estimator === 'infonce' ? localInfoNCE(scores) : localDv(scores);
}
