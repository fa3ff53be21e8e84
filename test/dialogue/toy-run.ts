/** The toy dialogue run of the end-to-end trainer tests: corpus, tokenizer and a config file for `demi train dialogue`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToyCorpus } from '../helpers/toy-dialogues.js';
import { toyTokenizer } from '../helpers/toy-tokenizer.js';

/** Writes the corpus, tokenizer and config.json into `dir`; `training` and `validExamples` differ per test file. */
export async function writeToyRunConfig(dir: string, training: Record<string, number>, validExamples: number): Promise<string> {
  const corpus = writeToyCorpus(dir);
  const tokenizer = await toyTokenizer(dir, corpus.text);
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({
    data: { train: { corpus: 'jsonl', path: corpus.train }, valid: { corpus: 'jsonl', path: corpus.valid, maxExamples: validExamples } },
    tokenizer: { path: tokenizer.file },
    model: { blockSize: 48, nLayer: 1, nHead: 2, dModel: 32, dropout: 0.1 },
    objective: { lambda: 0.5, levels: 2, projectionDim: 16 },
    training,
  }));
  return configFile;
}
