/** An image batch of data/vision as a TF.js tensor (NHWC): where images enter the engine. */

import { tf } from '../engine/index.js';
import type { ImageBatch } from '../../data/vision/index.js';

/** A float32 (or int32 for uint8 input) NHWC tensor of the batch. The caller disposes it. */
export function batchToTensor(batch: ImageBatch): tf.Tensor4D {
  const shape: [number, number, number, number] = [batch.count, batch.height, batch.width, batch.channels];
  return batch.data instanceof Float32Array
    ? tf.tensor4d(batch.data, shape, 'float32')
    : tf.tensor4d(Int32Array.from(batch.data), shape, 'int32');
}

/** Labels as an int32 tensor1d. */
export function labelsToTensor(labels: Int32Array): tf.Tensor1D {
  return tf.tensor1d(labels, 'int32');
}
