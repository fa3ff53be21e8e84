/**
 * DEMI (docs/ARCHITECTURE.md §4): with nested subviews y(1) ⊂ y(2) ⊂ ... ⊂ y(M) = y,
 *   I(x; y) = I(x; y(1)) + sum_{k=2}^{M} I(x; y(k) | y(k-1)),
 * each term bounded by its own contrastive bound:
 *   I_DEMI = infoNCE(S_1) + sum_k conditional bound of level k.
 * Each term is <= log N (log(K+1) for exact negatives), so the total can reach M log N instead of
 * log N.
 *
 * A conditional term I(x; y | y') (docs/ARCHITECTURE.md §4), y' the less informed subview of y, needs
 * negatives drawn from p(x | y'). This file has the two ways to get them, below `demi` in the order
 * it calls them: importance-weighted in-batch negatives (`conditionalInfoNCE`) and K exact samples
 * per anchor (`conditionalInfoNCEExact`).
 *
 * Matrix convention as everywhere: phi[i][j] = phi(x_j, y'_i, y_i), positives on the diagonal;
 * logW[i][j] = the less informed level's score of (x_j, y'_i).
 */
import { tf } from '../engine/index.js';
import { BoundsError } from '../errors.js';
import { checkSquare, diagOf, infoNCE, maskDiag, stopGradient } from './bounds.js';

/**
 * Levels (index 0 is the unconditional term and must be `{ scores }`):
 * - `{ scores }`: score matrix of the level's critic, S_k[i][j] = critic_k(x_j, y_i(k)). For k >= 2
 *   it is an importance-weighted conditional term whose log-weights default to the cumulative score
 *   of the levels before it, S_1 + phi_2 + ... + phi_{k-1}: in the boosted parameterisation that sum
 *   is the critic of I(x; y(k-1)), i.e. log p(x | y(k-1))/p(x) + c (docs/ARCHITECTURE.md §4). With M = 2 this is
 *   just S_1.
 * - `{ scores, logWeights }`: the same with the log-weights given explicitly.
 * - `{ positive, negatives }`: a conditional term with exact negatives (conditionalInfoNCEExact).
 */
export type DemiLevel =
  | { scores: tf.Tensor2D; logWeights?: tf.Tensor2D }
  | { positive: tf.Tensor1D; negatives: tf.Tensor2D };

export interface DemiResult {
  /** Sum of the terms: the DEMI estimate of I(x; y) (maximise it, or use -total as the loss). */
  total: tf.Scalar;
  /** terms[0] = I(x; y(1)); terms[k] = I(x; y(k+1) | y(k)). */
  terms: tf.Scalar[];
}

/** The chain-rule total and every term, so trainers can log each one. */
export function demi(levels: DemiLevel[]): DemiResult {
  if (levels.length === 0) throw new BoundsError('demi: needs at least one level (M >= 1 subviews)');
  const first = levels[0];
  if (!('scores' in first) || first.logWeights !== undefined) {
    throw new BoundsError('demi: level 1 is the unconditional term I(x; y(1)); give it as { scores } (an N x N matrix), without weights or exact negatives');
  }
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [infoNCE(first.scores)];
    let cumulative: tf.Tensor2D | null = first.scores;
    for (let k = 1; k < levels.length; k++) {
      const level = levels[k];
      if ('scores' in level) {
        let logW = level.logWeights;
        if (logW === undefined) {
          if (cumulative === null) {
            throw new BoundsError(
              `demi: level ${k + 1} has no logWeights and an earlier level used exact negatives, so there is no cumulative score to weight with; pass logWeights explicitly`,
            );
          }
          logW = cumulative;
        }
        terms.push(conditionalInfoNCE(level.scores, logW));
        cumulative = cumulative === null ? null : (tf.add(cumulative, level.scores) as tf.Tensor2D);
      } else if ('positive' in level) {
        terms.push(conditionalInfoNCEExact(level.positive, level.negatives));
        cumulative = null;
      } else {
        throw new BoundsError(`demi: level ${k + 1} must be { scores } or { scores, logWeights } or { positive, negatives }`);
      }
    }
    const total = terms.length === 1 ? tf.clone(terms[0]) : (tf.addN(terms) as tf.Scalar);
    return { total, terms };
  });
}

/**
 * Importance-weighted in-batch negatives ("Proposition 3" of arXiv 2106.13401, docs/ARCHITECTURE.md §4). The
 * in-batch x_j come from p(x); since p(x | y'_i) ∝ p(x) e^{psi*(x, y'_i)}, self-normalised weights
 *   w_ij = softmax_{j != i}(logW_ij)
 * from the critic of the less informed level turn them into (approximate) samples of p(x | y'_i):
 *   I_IS = mean_i [ phi_ii - log( (1/N) (e^{phi_ii} + (N-1) sum_{j != i} w_ij e^{phi_ij}) ) ].
 * The weights carry no gradient (stopGradient). This is an approximation, not a guaranteed lower
 * bound: it is exact as N -> inf with the optimal critics, and degrades when I(x; y') >> log N,
 * where the weights collapse onto the nearest in-batch sample and the term overshoots its truth
 * (README, "What it shows"). Each term is still <= log N.
 */
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

/**
 * K candidates per anchor sampled from the true p(x | y'_i) (possible on synthetic data): plain
 * InfoNCE with K + 1 candidates,
 *   I = mean_i [ pos_i - logsumexp(pos_i, neg_i1..neg_iK) ] + log(K + 1),
 * a true lower bound on I(x; y | y'), never above log(K + 1).
 */
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
