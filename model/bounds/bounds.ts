/**
 * In-batch MI bounds on one square score matrix (docs/ARCHITECTURE.md §4), with the matrix helpers
 * they share. Convention: S[i][j] = critic(x_j, y_i), positives on the diagonal, the other entries
 * of a row are in-batch negatives. Every bound returns a scalar, differentiable where it should be,
 * and leaves no tensors behind.
 *
 * Diagonal extraction and masking use an identity mask (elementwise products), not gather, so
 * their gradients need no UnsortedSegmentSum (missing on wasm, docs/ARCHITECTURE.md §3).
 */
import { tf } from '../engine/index.js';
import { BoundsError } from '../errors.js';

// ---- matrix helpers

/** Added to masked entries before a logsumexp: large enough to vanish, finite so gradients stay finite (docs/ARCHITECTURE.md §4). */
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

// ---- stop-gradient

/*
 * TF.js has no stopGradient (tensorflow/tfjs#967, #7438; docs/ARCHITECTURE.md §3): this identity op
 * reports a zero gradient, so what flows through it is treated as a constant by tf.grad /
 * tf.variableGrads.
 */
const identityWithZeroGrad = tf.customGrad((...inputs: unknown[]) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** `x` as a value, with no gradient to whatever produced it. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithZeroGrad(x) as T;
}

// ---- the bounds

/**
 * InfoNCE (van den Oord et al. 2018; docs/ARCHITECTURE.md §4; SMILE `infonce_lower_bound`):
 *   I_NCE(S) = mean_i ( S_ii - logsumexp_j S_ij ) + log N.
 * A lower bound on I(x; y) that never exceeds log N; the optimal critic is the pointwise MI
 * log p(y|x)/p(y) up to a per-row constant c(y_i).
 */
export function infoNCE(scores: tf.Tensor2D): tf.Scalar {
  const n = checkSquare(scores, 'infoNCE');
  return tf.tidy(() => tf.add(tf.mean(tf.sub(diagOf(scores), tf.logSumExp(scores, 1))), Math.log(n)) as tf.Scalar);
}

/**
 * NWJ / f-divergence bound (Nguyen, Wainwright & Jordan 2010; docs/ARCHITECTURE.md §4; SMILE `nwj_lower_bound`):
 *   I_NWJ(S) = 1 + mean(diag(S - 1)) - exp(logmeanexp_{i != j}(S_ij - 1))
 *            = mean_i S_ii - e^{-1} mean_{i != j} e^{S_ij}.
 * A lower bound for every critic; its optimal critic is 1 + log p(y|x)/p(y). Unbiased but its
 * variance grows like e^{I}, so it is only useful at small MI.
 */
export function nwj(scores: tf.Tensor2D): tf.Scalar {
  checkSquare(scores, 'nwj');
  return tf.tidy(() => {
    const shifted = tf.sub(scores, 1) as tf.Tensor2D;
    return tf.sub(tf.add(1, tf.mean(diagOf(shifted))), tf.exp(logMeanExpOffDiag(shifted))) as tf.Scalar;
  });
}

/**
 * Donsker-Varadhan (MINE without the moving average; docs/ARCHITECTURE.md §4, Hjelm et al. 2019, Eq. 2; SMILE
 * `dv_upper_lower_bound`):
 *   I_DV(S) = mean_i S_ii - logmeanexp_{i != j} S_ij.
 * Its optimum is log p(y|x)/p(y) + any constant. Estimated on a batch, the log outside the mean
 * makes it biased (and not a strict lower bound); the gradient of the partition term is biased too,
 * which is what MINE's EMA corrects (MineEMA below).
 */
export function dv(scores: tf.Tensor2D): tf.Scalar {
  checkSquare(scores, 'dv');
  return tf.tidy(() => tf.sub(tf.mean(diagOf(scores)), logMeanExpOffDiag(scores)) as tf.Scalar);
}

/**
 * MINE (Belghazi et al. 2018; docs/ARCHITECTURE.md §4; SMILE `mine_lower_bound`): the DV value, with the biased
 * gradient of the partition term log E_N[e^T] replaced by
 *   grad E_N[e^T] / EMA(E_N[e^T]),
 * where the EMA (momentum 0.9 by default) runs over batches. The value returned is exactly dv(S);
 * only the gradient differs. The class holds the EMA (in log space, as one kept scalar tensor), so
 * use one instance per critic and call it once per training step.
 */
export class MineEMA {
  private logEma: tf.Scalar | null = null;

  constructor(readonly momentum = 0.9) {
    if (!(momentum >= 0 && momentum < 1)) throw new BoundsError(`MineEMA: momentum must be in [0, 1), got ${momentum}`);
  }

  /**
   * DV estimate of S with MINE's EMA-corrected gradient. Updates the EMA with this batch first
   * (the first call starts the EMA at this batch's value), then uses it in the gradient.
   */
  call(scores: tf.Tensor2D): tf.Scalar {
    const n = checkSquare(scores, 'MineEMA.call');
    // The EMA is statistics, not part of the graph: computed from S but never differentiated
    // (it does not feed the value below, so no gradient can reach S through it).
    const logEmaNew = tf.tidy(() => {
      const batch = logMeanExpOffDiag(scores);
      if (this.logEma === null) return tf.clone(batch);
      // log(m e^{old} + (1-m) e^{batch}) without overflow
      const a = tf.add(this.logEma, Math.log(this.momentum));
      const b = tf.add(batch, Math.log(1 - this.momentum));
      return tf.logSumExp(tf.stack([a, b])) as tf.Scalar;
    });
    tf.keep(logEmaNew);
    this.logEma?.dispose();
    this.logEma = logEmaNew;
    const logEma = logEmaNew;

    const withCorrectedGrad = tf.customGrad((...inputs: unknown[]) => {
      const s = inputs[0] as tf.Tensor2D;
      const save = inputs[1] as (tensors: tf.Tensor[]) => void;
      // Tensors used by the gradient must be saved: the forward pass's intermediates are gone by then.
      save([s]);
      const value = tf.sub(tf.mean(diagOf(s)), logMeanExpOffDiag(s));
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const s0 = saved[0] as tf.Tensor2D;
          // d/dS [mean diag S] = I/N;  corrected d/dS [log E_N e^S] = offdiag(e^{S_ij}) / (N(N-1) EMA)
          const partition = tf.div(tf.exp(tf.sub(maskDiag(s0), logEma)), n * (n - 1));
          return tf.mul(dy, tf.sub(tf.div(tf.eye(n), n), partition));
        },
      };
    });
    return tf.tidy(() => withCorrectedGrad(scores) as tf.Scalar);
  }

  /** Current EMA of E_N[e^T] (a number; reads the tensor), or null before the first call. */
  ema(): number | null {
    return this.logEma === null ? null : Math.exp(this.logEma.dataSync()[0]);
  }

  /** Forget the EMA (and free its tensor). */
  reset(): void {
    this.logEma?.dispose();
    this.logEma = null;
  }

  dispose(): void {
    this.reset();
  }
}

/**
 * Jensen-Shannon objective in DIM's softplus form (Hjelm et al. 2019, Eq. 4; rdevon/DIM `fenchel_dual_loss` with
 * measure JSD; SMILE `js_fgan_lower_bound`):
 *   jsd(S) = E_P[-softplus(-S_ii)] - E_N[softplus(S_ij)],  P = diagonal (N terms), N = off-diagonal
 *   (N(N-1) terms), each a plain mean.
 *
 * This is NOT an MI value in nats: it is the f-GAN lower bound on 2·JSD(p(x,y) || p(x)p(y)) - log 4
 * (always <= 0; DIM's own loss adds 2 log 2 to it). It is a monotone-ish proxy that is stable to
 * train, and its optimal critic is the log density ratio log p(y|x)/p(y). To read an MI estimate
 * off a JSD-trained critic use `jsdMI` below.
 */
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
