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
  const D = model.config.dModel;
  for (let start = 0; start < examples.length; start += batchSize) {
    const chunk = examples.slice(start, start + batchSize);
    const batch = makeDialogueBatch(chunk, format, 1);
    // Only the response tokens' logits: the full [B, T, vocab] tensor of a 256-token batch of 64 is 0.5 GB,
    // nearly all of it for context positions nobody scores.
    const positions: number[] = [];
    const targets: number[] = [];
    const owner: number[] = [];
    for (let b = 0; b < batch.size; b++) {
      for (let t = 0; t < batch.T; t++) {
        const label = batch.labels[b * batch.T + t];
        if (label < 0) continue;
        positions.push(b * batch.T + t);
        targets.push(label);
        owner.push(b);
      }
    }
    const losses = positions.length === 0 ? new Float32Array(0) : tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.size, batch.T], 'int32');
      const hidden = tf.reshape(model.hidden(ids), [batch.size * batch.T, D]);
      const scored = tf.gather(hidden, tf.tensor1d(positions, 'int32'));
      return sparseSoftmaxCrossEntropy(model.logits(scored), tf.tensor1d(targets, 'int32')).dataSync() as Float32Array;
    });
    const rows = Array.from({ length: batch.size }, () => ({ nll: 0, tokens: 0 }));
    owner.forEach((b, i) => {
      rows[b].nll += losses[i];
      rows[b].tokens++;
    });
    out.push(...rows);
  }
  return out;
}
