/**
 * Global DIM (dim.md §1.4, the newest official `GlobalDIM`): an encode-and-dot-product critic
 * between the whole local feature map of image j and the global Y of image i,
 *   S[i][j] = < G(Y_i), F(C(x_j)) >,
 * F = a fresh copy of the encoder's blocks after the local map (basic32x32: conv 256 -> flatten ->
 * fc 1024, each with BN and ReLU) followed by Linear(mi_units); G = an MI1x1ConvNet on Y.
 * Negatives: the other images of the batch (N x N, positives on the diagonal).
 */
import { tf } from '../engine/index.js';
import { Dense } from './dense.js';
import { pairEstimate, type Estimator } from './estimator.js';
import { LayerStack, type BlockSpec, type FeatureShape } from './layer-stack.js';
import { MIEmbedder } from './mi-embedder.js';
import type { Params } from './params.js';

export class GlobalDIM {
  readonly mapNet: LayerStack;
  readonly mapOut: Dense;
  readonly globalNet: MIEmbedder;

  constructor(params: Params, localShape: FeatureShape, upperBlocks: BlockSpec[], globalUnits: number, miUnits: number, name = 'global_dim') {
    this.mapNet = new LayerStack(params, `${name}.map`, localShape, upperBlocks);
    this.mapOut = new Dense(params, `${name}.map.out`, this.mapNet.outShape()[0], miUnits);
    this.globalNet = new MIEmbedder(params, `${name}.global`, globalUnits, miUnits);
  }

  /** S[i][j] = critic(map of image j, Y of image i), [N, N]. */
  scores(local: tf.Tensor4D, y: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const outs = this.mapNet.apply(local, training);
      const f = this.mapOut.apply(outs[outs.length - 1]) as tf.Tensor2D;
      const g = this.globalNet.apply(y, training);
      return tf.matMul(g, f, false, true) as tf.Tensor2D;
    });
  }

  objective(local: tf.Tensor4D, y: tf.Tensor2D, estimator: Estimator, training: boolean): tf.Scalar {
    return tf.tidy(() => pairEstimate(estimator, this.scores(local, y, training)));
  }
}
