/**
 * A small dialogue model for the server tests, trained once with the project's trainer
 * (`demi train dialogue`) on the toy corpus and cached in the temp directory, so every server test
 * file (and later runs) reuses it. The cache is keyed on the training config and a hash of the code
 * (test/helpers/code-hash.ts): a change to the trainer, the tokenizer or this file trains a new one. Block size 256 leaves room for long generations (cancellation,
 * responsiveness, queue tests); 150 steps are enough for it to learn the toy dialogues (~10-15 s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeHash } from '../helpers/code-hash.js';
import { writeToyCorpus } from '../helpers/toy-dialogues.js';
import { toyTokenizer } from '../helpers/toy-tokenizer.js';

const TRAINING = {
  model: { blockSize: 256, nLayer: 2, nHead: 2, dModel: 64, dropout: 0 },
  objective: { lambda: 0.5, levels: 2, projectionDim: 16 },
  training: { steps: 150, batchSize: 16, learningRate: 1e-2, warmupSteps: 10, evalEvery: 75, logEvery: 50, seed: 3 },
};
const KEY = codeHash(JSON.stringify(TRAINING), readFileSync(fileURLToPath(import.meta.url), 'utf8'));
const CACHE = join(tmpdir(), `demi-server-test-model-${KEY}`);

/** The checkpoint directory of the trained test model (trains it on first use). */
export async function testModelDir(): Promise<string> {
  const best = join(CACHE, 'run', 'best');
  if (existsSync(join(best, 'config.json'))) return best;
  mkdirSync(tmpdir(), { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'demi-server-test-model-staging-'));
  try {
    const corpus = writeToyCorpus(staging);
    const tokenizer = await toyTokenizer(staging, corpus.text);
    const configFile = join(staging, 'config.json');
    writeFileSync(configFile, JSON.stringify({
      data: { train: { corpus: 'jsonl', path: corpus.train }, valid: { corpus: 'jsonl', path: corpus.valid, maxExamples: 24 } },
      tokenizer: { path: tokenizer.file },
      ...TRAINING,
    }));
    const run = spawnSync(process.execPath, ['bin/demi.mjs', 'train', 'dialogue', '--config', configFile, '--out', join(staging, 'run')], {
      encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn' }, timeout: 120_000,
    });
    if (run.status !== 0) throw new Error(`training the server test model failed (status ${run.status}):\n${run.stderr.slice(-2000)}`);
    try {
      renameSync(staging, CACHE);
    } catch (err) {
      // Another test process finished first: use its model.
      if (!existsSync(join(best, 'config.json'))) throw err;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return best;
}
