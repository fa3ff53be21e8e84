/**
 * DIM's prior matching (dim.md §1.5): a discriminator D (Linear 1000 - ReLU - Linear 200 - ReLU -
 * Linear 1, no BN) tells samples of the prior V = Uniform[0, 1]^64 from sigmoid(Y).
 *   discriminator loss  = mean softplus(-D(z)) + mean softplus(D(sigmoid(Y)))            (GAN measure)
 *                        + w_gp · 0.5 · mean_n (||∇_z D(z_n)||² + ||∇ D(sigmoid(Y_n))||²)  (Mescheder/Roth penalty, whole batch)
 *   encoder loss        = gamma · mean softplus(-D(sigmoid(Y)))                          (non-saturating)
 * DIM steps the discriminator and the encoder with separate optimizers on their own losses. Here
 * both losses are summed into the one training loss with stop-gradients so each part only moves
 * its own side: the encoder term sees D's weights as constants and the discriminator terms see
 * sigmoid(Y) as a constant. Adam's moments are per parameter, so this equals two Adams on the same
 * schedule (only global-norm clipping, if on, couples them).
 *
 * The gradient penalty needs second-order gradients (a gradient w.r.t. the input, differentiated
 * w.r.t. D's weights); TF.js's tape supports that for MatMul/ReLU/Add (checked in the tests).
 */
import { stableSoftplus, stopGradient } from '../bounds/index.js';
import { tf } from '../engine/index.js';
import { type SeededRandom } from '../../core/index.js';
import { Dense } from './dense.js';
import type { Params } from './params.js';

export interface PriorMatchingOutput {
  /** Encoder loss + discriminator loss (each moving only its own parameters). */
  loss: tf.Scalar;
  encoderLoss: tf.Scalar;
  discriminatorLoss: tf.Scalar;
  gradientPenalty: tf.Scalar;
}

export class PriorMatching {
  readonly layers: Dense[];

  constructor(params: Params, readonly units: number, hidden: number[] = [1000, 200], name = 'prior.discriminator') {
    const sizes = [units, ...hidden, 1];
    this.layers = sizes.slice(1).map((out, i) => new Dense(params, `${name}.${i}`, sizes[i], out));
  }

  /** D(v) as [N]; with `frozen`, D's weights carry no gradient. */
  score(v: tf.Tensor2D, frozen = false): tf.Tensor1D {
    return tf.tidy(() => {
      let h: tf.Tensor = v;
      this.layers.forEach((layer, i) => {
        const w = frozen ? stopGradient(layer.weight) : layer.weight;
        const b = frozen ? stopGradient(layer.bias!) : layer.bias!;
        h = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b);
        if (i < this.layers.length - 1) h = tf.relu(h);
      });
      return tf.reshape(h, [-1]) as tf.Tensor1D;
    });
  }

  /** mean_n ||∇_v D(v_n)||², differentiable w.r.t. D's weights. */
  private inputGradientNorm(v: tf.Tensor2D): tf.Scalar {
    const grad = tf.grad((input: tf.Tensor) => tf.sum(this.score(input as tf.Tensor2D)))(v);
    return tf.mean(tf.sum(tf.square(grad), 1)) as tf.Scalar;
  }

  losses(y: tf.Tensor2D, random: SeededRandom, gamma: number, penaltyWeight: number): PriorMatchingOutput {
    return tf.tidy(() => {
      const [n, d] = y.shape;
      // sigmoid as (1 + tanh(y/2)) / 2: finite everywhere whatever the backend's Sigmoid does in the tails
      const fake = tf.mul(tf.add(tf.tanh(tf.mul(y, 0.5)), 1), 0.5) as tf.Tensor2D;
      const prior = tf.tensor2d(random.uniformArray(n * d), [n, d]);
      const encoderLoss = tf.mul(tf.mean(stableSoftplus(tf.neg(this.score(fake, true)))), gamma) as tf.Scalar;
      const fakeConst = stopGradient(fake);
      const ganLoss = tf.add(tf.mean(stableSoftplus(tf.neg(this.score(prior)))), tf.mean(stableSoftplus(this.score(fakeConst))));
      const gradientPenalty = penaltyWeight > 0
        ? tf.mul(tf.add(this.inputGradientNorm(prior), this.inputGradientNorm(fakeConst)), 0.5) as tf.Scalar
        : tf.scalar(0);
      const discriminatorLoss = tf.add(ganLoss, tf.mul(gradientPenalty, penaltyWeight)) as tf.Scalar;
      return { loss: tf.add(encoderLoss, discriminatorLoss) as tf.Scalar, encoderLoss, discriminatorLoss, gradientPenalty };
    });
  }
}
