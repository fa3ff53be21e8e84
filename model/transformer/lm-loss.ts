/**
 * Language-model loss: mean next-token cross-entropy over the positions whose label is >= 0.
 * Labels of -1 mark positions that do not count (context tokens, padding), so the loss is on
 * response tokens only (DESIGN §5).
 */
import { tf, sparseSoftmaxCrossEntropy } from '../engine/index.js';

export const IGNORE_LABEL = -1;

/** logits [batch, time, vocab], labels int32 [batch, time] -> {loss (scalar, mean nats), tokens}. */
export function lmLoss(logits: tf.Tensor3D, labels: tf.Tensor2D, labelValues?: Int32Array): { loss: tf.Scalar; tokens: number } {
  const values = labelValues ?? (labels.dataSync() as Int32Array);
  let tokens = 0;
  for (const v of values) if (v >= 0) tokens++;
  const loss = tf.tidy(() => tf.div(tf.sum(sparseSoftmaxCrossEntropy(logits, labels)), Math.max(tokens, 1)) as tf.Scalar);
  return { loss, tokens };
}
