/** LayerNorm over the last axis, y = (x - mean) / sqrt(var + eps) * gamma + beta, fused natively. */
import { tf } from '../tf.js';
import { LAYER_NORM, LAYER_NORM_GRAD } from './names.js';
import { hasKernel, runKernel } from './has-kernel.js';

function layerNormComposed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

const nativeByEpsilon = new Map<number, (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

function layerNormNative(epsilon: number) {
  let fn = nativeByEpsilon.get(epsilon);
  if (!fn) {
    fn = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x, gamma]);
      return {
        value: runKernel<tf.Tensor>(LAYER_NORM, { x, gamma, beta }, { epsilon }),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runKernel<tf.Tensor[]>(LAYER_NORM_GRAD, { dy, x: saved[0], gamma: saved[1] }, { epsilon }),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    nativeByEpsilon.set(epsilon, fn);
  }
  return fn;
}

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return hasKernel(LAYER_NORM) ? layerNormNative(epsilon)(x, gamma, beta) : layerNormComposed(x, gamma, beta, epsilon);
}
