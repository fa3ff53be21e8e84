/** A SentencePiece tokenizer trained (spm_train) on the toy corpus, cached per test run. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, trainSentencePiece, type Tokenizer } from '../../data/tokenizer/index.js';
import { assertAvailable, SPM_TRAIN } from './optional.js';

export async function toyTokenizer(dir: string, textFile: string, vocabSize = 80): Promise<Tokenizer> {
  const prefix = join(dir, 'toy-spm');
  if (!existsSync(`${prefix}.model`)) {
    assertAvailable(SPM_TRAIN);
    await trainSentencePiece({ corpusFile: textFile, modelPrefix: prefix, vocabSize, numThreads: 1, seed: 1, byteFallback: false, modelType: 'unigram', hardVocabLimit: false });
  }
  return loadTokenizer(`${prefix}.model`);
}
