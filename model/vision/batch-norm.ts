/**
 * BatchNorm over every axis but the last (channels): BatchNorm1d on [N, C], BatchNorm2d on NHWC.
 * PyTorch semantics (dim.md §10): training normalises with the batch mean and biased variance and
 * updates the running statistics with momentum 0.1 (running = 0.9 running + 0.1 batch, the variance
 * unbiased); evaluation normalises with the running statistics. eps 1e-5. The running statistics are
 * non-trainable variables in the model's Params, so checkpoints save them and resume restores them.
 */
import { tf } from '../engine/index.js';
import { constant, type Params } from './params.js';

export interface BatchNormOptions {
  momentum?: number;
  epsilon?: number;
}

export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(params: Params, name: string, readonly channels: number, options: BatchNormOptions = {}) {
    this.gamma = params.add(`${name}.weight`, [channels], constant(channels, 1));
    this.beta = params.add(`${name}.bias`, [channels], constant(channels, 0));
    this.runningMean = params.add(`${name}.running_mean`, [channels], constant(channels, 0), false);
    this.runningVar = params.add(`${name}.running_var`, [channels], constant(channels, 1), false);
    this.momentum = options.momentum ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-5;
  }

  /** Normalises `x` (last axis = channels). In training, also updates the running statistics. */
  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        const axes = x.shape.slice(0, -1).map((_, i) => i);
        const count = x.size / this.channels;
        ({ mean, variance } = tf.moments(x, axes));
        if (count < 2) throw new RangeError(`BatchNorm in training needs more than one value per channel, got input [${x.shape}]`);
        const m = this.momentum;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
      } else {
        mean = this.runningMean;
        variance = this.runningVar;
      }
      const scale = tf.mul(tf.rsqrt(tf.add(variance, this.epsilon)), this.gamma);
      return tf.add(tf.mul(tf.sub(x, mean), scale), this.beta);
    });
  }
}
