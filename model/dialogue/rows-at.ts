import { tf } from '../engine/index.js';

/** The hidden state of row b at position positions[b]: [B, T, D] -> [B, D] (differentiable gather). */
export function rowsAt(hidden: tf.Tensor3D, positions: ArrayLike<number>): tf.Tensor2D {
  const [B, T, D] = hidden.shape;
  const index = tf.tensor1d(Int32Array.from({ length: B }, (_, b) => b * T + positions[b]), 'int32');
  return tf.gather(tf.reshape(hidden, [B * T, D]), index) as tf.Tensor2D;
}
