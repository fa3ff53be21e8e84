/**
 * Local DIM (dim.md §1.1 Eq. 6, §1.2): the encode-and-dot-product critic between every local
 * feature vector C^(l)(x_j) and the global Y(x_i):
 *   u[i][j][l] = < G(Y_i), L(C^(l)(x_j)) >,   shape [N, N, M²], one matmul,
 * with G and L two MI1x1ConvNet embedders into mi_units dimensions. Positives: i == j at every
 * location; negatives: all locations of the other images in the batch.
 */
import { tf } from '../engine/index.js';
import { localEstimate, type Estimator } from './estimator.js';
import { MIEmbedder } from './mi-embedder.js';
import type { Params } from './params.js';

export class LocalDIM {
  readonly localNet: MIEmbedder;
  readonly globalNet: MIEmbedder;

  constructor(params: Params, localChannels: number, globalUnits: number, miUnits: number, name = 'local_dim') {
    this.localNet = new MIEmbedder(params, `${name}.local`, localChannels, miUnits);
    this.globalNet = new MIEmbedder(params, `${name}.global`, globalUnits, miUnits);
  }

  /** Scores [N, N, L] of local maps [N, M, M, C] against globals [N, D]. */
  scores(local: tf.Tensor4D, y: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => {
      const [n, h, w, c] = local.shape;
      const l = this.localNet.apply(tf.reshape(local, [n * h * w, c]) as tf.Tensor2D, training);
      const g = this.globalNet.apply(y, training);
      return tf.reshape(tf.matMul(g, l, false, true), [n, n, h * w]) as tf.Tensor3D;
    });
  }

  /** The local MI estimate (1/M²) sum_l I(C^(l)(X); Y), to maximise. */
  objective(local: tf.Tensor4D, y: tf.Tensor2D, estimator: Estimator, training: boolean): tf.Scalar {
    return tf.tidy(() => localEstimate(estimator, this.scores(local, y, training)));
  }
}
