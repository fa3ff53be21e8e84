/**
 * TF.js has no stopGradient (tensorflow/tfjs#967, #7438; DESIGN §3): this identity op reports a zero
 * gradient, so what flows through it is treated as a constant by tf.grad / tf.variableGrads.
 */
import { tf } from '../engine/index.js';

const identityWithZeroGrad = tf.customGrad((...inputs: unknown[]) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** `x` as a value, with no gradient to whatever produced it. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithZeroGrad(x) as T;
}
