/** A fully connected layer on the last axis, weight [in, out], PyTorch default init (optional bias). */
import { tf } from '../engine/index.js';
import { torchDefault, type Params } from './params.js';

export class Dense {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(params: Params, name: string, readonly inUnits: number, readonly units: number, options: { bias?: boolean; init?: () => Float32Array } = {}) {
    this.weight = params.add(`${name}.weight`, [inUnits, units], options.init ?? torchDefault(params.random, inUnits * units, inUnits));
    if (options.bias ?? true) this.bias = params.add(`${name}.bias`, [units], torchDefault(params.random, units, inUnits));
  }

  /** x [..., in] -> [..., out]. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inUnits]) as tf.Tensor2D;
      const y = tf.matMul(flat, this.weight as tf.Tensor2D);
      const out = this.bias ? tf.add(y, this.bias) : y;
      return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), this.units]);
    });
  }
}
