/**
 * One training batch of the synthetic experiment, shared by every estimator at a step (common random
 * numbers: the estimators see the same x, y). Subview slices of y and exact conditional negatives are
 * made on first use and freed with the batch.
 */
import { tf } from '../engine/index.js';
import { type SeededRandom } from '../../core/index.js';
import { sampleConditionalX } from './conditional-sampler.js';
import type { GaussianBatch } from './gaussian.js';
import { sliceColumns } from './subviews.js';

export class TrainingBatch {
  readonly x: tf.Tensor2D;
  private readonly ySlices = new Map<number, tf.Tensor2D>();
  private readonly conditional = new Map<string, tf.Tensor2D>();

  constructor(readonly data: GaussianBatch, private readonly rng: SeededRandom) {
    this.x = tf.tensor2d(data.x, [data.n, data.dim]);
  }

  get n(): number {
    return this.data.n;
  }

  /** y(k) as a tensor: the first `size` coordinates of y, [n, size]. */
  y(size: number): tf.Tensor2D {
    let t = this.ySlices.get(size);
    if (!t) {
      // kept: first use may happen inside a tidy (a gradient's forward pass); dispose() frees it
      t = tf.keep(tf.tensor2d(sliceColumns(this.data.y, this.data.n, this.data.dim, size), [this.data.n, size]));
      this.ySlices.set(size, t);
    }
    return t;
  }

  /**
   * k samples of x ~ p(x | first `known` coordinates of y_a) for each of the first `anchors` rows:
   * [anchors * k, dim], grouped by anchor. Sampled once per batch for each (known, anchors, k).
   */
  conditionalX(known: number, anchors: number, k: number): tf.Tensor2D {
    const key = `${known}/${anchors}/${k}`;
    let t = this.conditional.get(key);
    if (!t) {
      const { y, dim, rho } = this.data;
      t = tf.keep(tf.tensor2d(sampleConditionalX(this.rng, y, dim, rho, known, anchors, k), [anchors * k, dim]));
      this.conditional.set(key, t);
    }
    return t;
  }

  dispose(): void {
    this.x.dispose();
    for (const t of this.ySlices.values()) t.dispose();
    for (const t of this.conditional.values()) t.dispose();
    this.ySlices.clear();
    this.conditional.clear();
  }
}
