/**
 * The unigram baseline a dialogue LM must beat: perplexity of the validation responses (and EOS)
 * under token frequencies counted on the training responses, add-one smoothed over the vocabulary.
 */
import type { DialogueFormat, EncodedExample } from './format.js';

export function unigramPerplexity(train: readonly EncodedExample[], valid: readonly EncodedExample[], vocabSize: number, format: DialogueFormat): number {
  const counts = new Float64Array(vocabSize).fill(1);
  let total = vocabSize;
  for (const e of train) {
    for (const id of [...e.responseIds, format.eosId]) {
      counts[id] += 1;
      total += 1;
    }
  }
  let nll = 0;
  let tokens = 0;
  for (const e of valid) {
    for (const id of [...e.responseIds, format.eosId]) {
      nll -= Math.log(counts[id] / total);
      tokens += 1;
    }
  }
  return Math.exp(nll / Math.max(tokens, 1));
}
