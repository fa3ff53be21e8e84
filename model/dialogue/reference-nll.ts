/**
 * Teacher-forced NLL of each reference response (and its EOS) given its context: the numbers behind
 * "perplexity on response tokens". Examples are scored in batches; padding is never counted.
 */
import { tf, sparseSoftmaxCrossEntropy } from '../engine/index.js';
import type { GPT } from '../transformer/index.js';
import { makeDialogueBatch } from './batch.js';
import type { DialogueFormat, EncodedExample } from './format.js';

export interface ReferenceNll {
  nll: number;
  tokens: number;
}

export function referenceNll(model: GPT, examples: readonly EncodedExample[], format: DialogueFormat, batchSize = 16): ReferenceNll[] {
  const out: ReferenceNll[] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const chunk = examples.slice(start, start + batchSize);
    const batch = makeDialogueBatch(chunk, format, 1);
    const losses = tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.size, batch.T], 'int32');
      const labels = tf.tensor2d(batch.labels, [batch.size, batch.T], 'int32');
      return sparseSoftmaxCrossEntropy(model.forward(ids), labels).dataSync() as Float32Array;
    });
    for (let b = 0; b < batch.size; b++) {
      let nll = 0;
      let tokens = 0;
      for (let t = 0; t < batch.T; t++) {
        if (batch.labels[b * batch.T + t] >= 0) {
          nll += losses[b * batch.T + t];
          tokens++;
        }
      }
      out.push({ nll, tokens });
    }
  }
  return out;
}
