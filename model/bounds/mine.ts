/**
 * MINE (Belghazi et al. 2018; demi.md §2.7; SMILE `mine_lower_bound`): the DV value, with the biased
 * gradient of the partition term log E_N[e^T] replaced by
 *   grad E_N[e^T] / EMA(E_N[e^T]),
 * where the EMA (momentum 0.9 by default) runs over batches. The value returned is exactly dv(S);
 * only the gradient differs. The class holds the EMA (in log space, as one kept scalar tensor), so
 * use one instance per critic and call it once per training step.
 */
import { tf } from '../engine/index.js';
import { BoundsError } from '../errors.js';
import { checkSquare, diagOf, logMeanExpOffDiag, maskDiag } from './matrix.js';

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
