/**
 * DIM's score-space embedder `MI1x1ConvNet` (dim.md §1.2), the "encode" half of the
 * encode-and-dot-product critic, on feature vectors [R, in] (a local map is reshaped to
 * [N·M², C] first: a 1x1 convolution is a Dense on the channel axis):
 *   h = LayerNorm( Linear(U)(ReLU(BN(Linear(U, no bias)(x)))) + Linear(U, no bias, noisy identity)(x) )
 * mi_units U: 2048 in the paper's code; 512 by default here for CPU budgets.
 */
import { layerNorm, tf } from '../engine/index.js';
import { BatchNorm } from './batch-norm.js';
import { Dense } from './dense.js';
import { constant, noisyIdentity, type Params } from './params.js';

export class MIEmbedder {
  private readonly hidden: Dense;
  private readonly norm: BatchNorm;
  private readonly out: Dense;
  private readonly shortcut: Dense;
  private readonly lnGamma: tf.Variable;
  private readonly lnBeta: tf.Variable;

  constructor(params: Params, name: string, readonly inUnits: number, readonly units: number) {
    this.hidden = new Dense(params, `${name}.block.0`, inUnits, units, { bias: false });
    this.norm = new BatchNorm(params, `${name}.block.1`, units);
    this.out = new Dense(params, `${name}.block.3`, units, units);
    this.shortcut = new Dense(params, `${name}.shortcut`, inUnits, units, { bias: false, init: noisyIdentity(params.random, inUnits, units) });
    this.lnGamma = params.add(`${name}.ln.weight`, [units], constant(units, 1));
    this.lnBeta = params.add(`${name}.ln.bias`, [units], constant(units, 0));
  }

  /** [R, in] -> [R, U]. */
  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.out.apply(tf.relu(this.norm.apply(this.hidden.apply(x), training)));
      return layerNorm(tf.add(h, this.shortcut.apply(x)), this.lnGamma, this.lnBeta, 1e-5) as tf.Tensor2D;
    });
  }
}
