/**
 * A 2-D convolution on NHWC inputs, filters [k, k, in, out], PyTorch default init. Padding 'same'
 * matches DIM's convolutions (4x4 stride 2 pad 1 on even sizes, 3x3 stride 1 pad 1). Convolutions
 * followed by BatchNorm have no bias.
 */
import { tf } from '../engine/index.js';
import { torchDefault, type Params } from './params.js';

export interface Conv2dSpec {
  filters: number;
  kernel: number;
  stride: number;
  padding?: 'same' | 'valid';
  bias?: boolean;
}

export class Conv2d {
  readonly filter: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(params: Params, name: string, readonly inChannels: number, readonly spec: Conv2dSpec) {
    const { kernel: k, filters } = spec;
    const fanIn = inChannels * k * k;
    this.filter = params.add(`${name}.weight`, [k, k, inChannels, filters], torchDefault(params.random, k * k * inChannels * filters, fanIn));
    if (spec.bias) this.bias = params.add(`${name}.bias`, [filters], torchDefault(params.random, filters, fanIn));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = tf.conv2d(x, this.filter as tf.Tensor4D, this.spec.stride, this.spec.padding ?? 'same');
      return (this.bias ? tf.add(y, this.bias) : y) as tf.Tensor4D;
    });
  }
}
