/**
 * softmax(scale * scores) over the last axis with a causal mask: query i (of the last Tq positions)
 * sees keys j <= i + (Tk - Tq), which is also right when a KV cache supplies the earlier keys.
 * Masked keys get probability exactly 0.
 */
import { tf } from '../tf.js';
import { CAUSAL_SOFTMAX, SOFTMAX_GRAD } from './names.js';
import { hasKernel, runKernel } from './has-kernel.js';

function causalMask(tq: number, tk: number): tf.Tensor2D {
  const offset = tk - tq;
  const bias = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = i + offset + 1; j < tk; j++) bias[i * tk + j] = -1e30;
  return tf.tensor2d(bias, [tq, tk]);
}

function causalSoftmaxComposed(scores: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const [tq, tk] = scores.shape.slice(-2);
    return tf.softmax(tf.add(tf.mul(scores, scale), causalMask(tq, tk)));
  });
}

const nativeByScale = new Map<number, (x: tf.Tensor) => tf.Tensor>();

function causalSoftmaxNative(scale: number) {
  let fn = nativeByScale.get(scale);
  if (!fn) {
    fn = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = runKernel<tf.Tensor>(CAUSAL_SOFTMAX, { x }, { scale });
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runKernel<tf.Tensor>(SOFTMAX_GRAD, { y: saved[0], dy }, { scale }),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
    nativeByScale.set(scale, fn);
  }
  return fn;
}

export function causalSoftmax(scores: tf.Tensor, scale = 1): tf.Tensor {
  return hasKernel(CAUSAL_SOFTMAX) ? causalSoftmaxNative(scale)(scores) : causalSoftmaxComposed(scores, scale);
}
