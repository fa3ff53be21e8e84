/**
 * Per-position softmax cross-entropy against integer labels, without a one-hot matrix (at vocab
 * 30000 and 2048 positions a one-hot loss needs several GB of temporaries). Labels < 0 are
 * ignored: their loss and gradient are 0, which is how the LM loss skips context tokens.
 */
import { tf } from '../tf.js';
import { SPARSE_CE, SPARSE_CE_GRAD } from './names.js';
import { hasKernel, runKernel } from './has-kernel.js';

function composed(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const vocab = logits.shape[logits.shape.length - 1];
    // tf.oneHot gives an all-zero row for an out-of-range label, so ignored positions contribute 0.
    const targets = tf.reshape(tf.oneHot(tf.reshape(labels, [-1]), vocab), logits.shape);
    return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1));
  });
}

const nativeCE = tf.customGrad(((logits: tf.Tensor, labels: tf.Tensor, save: tf.GradSaveFunc) => {
  save([logits, labels]);
  return {
    value: runKernel<tf.Tensor>(SPARSE_CE, { logits, labels }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      runKernel<tf.Tensor>(SPARSE_CE_GRAD, { logits: saved[0], labels: saved[1], dy }),
      tf.zerosLike(saved[1]),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor;

/** logits [..., V] float32, labels [...] int32 -> loss [...] (nats). */
export function sparseSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  if (labels.dtype !== 'int32') throw new Error(`sparseSoftmaxCrossEntropy: labels must be int32, got ${labels.dtype}`);
  if (logits.shape.slice(0, -1).join() !== labels.shape.join()) {
    throw new Error(`sparseSoftmaxCrossEntropy: logits ${logits.shape} do not match labels ${labels.shape}`);
  }
  return hasKernel(SPARSE_CE) ? nativeCE(logits, labels) : composed(logits, labels);
}
