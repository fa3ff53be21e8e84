/**
 * DEMI on images (demi.md §4, DESIGN §9): view x and M nested subviews y(1) ⊂ ... ⊂ y(M) = y of a
 * second augmented view, all through the same encoder. The critic is separable:
 *   S_k[i][j] = < f(x_j), g(y_i(k)) > / tau,
 * f and g MI1x1ConvNet embedders of Y, L2-normalised. The chain rule
 *   I(x; y) = I(x; y(1)) + sum_{k>=2} I(x; y(k) | y(k-1))
 * is estimated with demi(): InfoNCE for the first term and importance-weighted conditional InfoNCE
 * for the others, the weights coming from the previous level's scores S_{k-1} (no gradient).
 * M = 1 is the InfoNCE (two-view contrastive) baseline.
 */
import { demi, type DemiLevel, type DemiResult } from '../bounds/index.js';
import { tf } from '../engine/index.js';
import { MIEmbedder } from './mi-embedder.js';
import type { Params } from './params.js';

function normalize(z: tf.Tensor2D): tf.Tensor2D {
  return tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-8))) as tf.Tensor2D;
}

export class DemiCritic {
  readonly f: MIEmbedder;
  readonly g: MIEmbedder;

  constructor(params: Params, globalUnits: number, miUnits: number, readonly tau: number, name = 'demi') {
    this.f = new MIEmbedder(params, `${name}.f`, globalUnits, miUnits);
    this.g = new MIEmbedder(params, `${name}.g`, globalUnits, miUnits);
  }

  /**
   * Score matrices of each level from Y of the views stacked as [x; y(1); ...; y(M)] ([(M+1)N, D]).
   * All views go through each embedder in one batch.
   */
  scores(y: tf.Tensor2D, count: number, levels: number, training: boolean): tf.Tensor2D[] {
    return tf.tidy(() => {
      const fx = normalize(this.f.apply(tf.slice(y, [0, 0], [count, -1]), training));
      const gy = normalize(this.g.apply(tf.slice(y, [count, 0], [levels * count, -1]), training));
      return Array.from({ length: levels }, (_, k) =>
        tf.div(tf.matMul(tf.slice(gy, [k * count, 0], [count, -1]), fx, false, true), this.tau) as tf.Tensor2D);
    });
  }

  /** The DEMI estimate (total and terms) for stacked Y. */
  objective(y: tf.Tensor2D, count: number, levels: number, training: boolean): DemiResult {
    return tf.tidy(() => {
      const s = this.scores(y, count, levels, training);
      const chain: DemiLevel[] = s.map((scores, k) => (k === 0 ? { scores } : { scores, logWeights: s[k - 1] }));
      return demi(chain) as unknown as tf.TensorContainer;
    }) as unknown as DemiResult;
  }
}
