/** GELU, tanh approximation (GPT-2's), with a fused native kernel for value and gradient. */
import { tf } from '../tf.js';
import { GELU, GELU_GRAD } from './names.js';
import { hasKernel, runKernel } from './has-kernel.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluComposed(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

const geluNative = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: runKernel<tf.Tensor>(GELU, { x: x as tf.Tensor }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runKernel<tf.Tensor>(GELU_GRAD, { x: saved[0], dy }),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function gelu<T extends tf.Tensor>(x: T): T {
  return (hasKernel(GELU) ? geluNative(x) : geluComposed(x)) as T;
}
