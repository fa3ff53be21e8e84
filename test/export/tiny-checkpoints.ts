/**
 * Two tiny seeded checkpoints for the ONNX export tests, written in seconds and never trained:
 * a demi dialogue checkpoint with the shipped SentencePiece tokenizer (models/default/tokenizer.model),
 * and a Hugging Face GPT-2 directory (GPT2Model names, tokenizer.json) as `demi` imports it.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom, writeSafetensors, type TensorToWrite } from '../../core/index.js';
import { GPT, type GPTConfig } from '../../model/transformer/index.js';
import { writeCheckpoint } from '../../model/training/index.js';
import { DEFAULT_MODEL_DIR, TOKENIZER_FIXTURES } from '../data/fixtures.js';

/**
 * Random GPT-2 weights drawn wider than GPT-2's init (N(0, 0.02)), so that the logits of an untrained
 * model are far enough apart for greedy decoding not to hinge on float rounding.
 */
function spreadWeights(config: GPTConfig, seed: number): GPT {
  const random = new SeededRandom(seed);
  const drawn = new GPT(config, random);
  const arrays = new Map([...drawn.weights()].map(([name, { data }]) => [name, /\.weight$/.test(name) && !/ln_/.test(name) ? data.map((v) => v * 20) : data]));
  drawn.dispose();
  return new GPT(config, arrays);
}

/** A demi dialogue checkpoint (format demi-dialogue) with models/default's SentencePiece tokenizer. */
export function writeTinyDemiCheckpoint(dir: string, seed = 7): { dir: string; config: GPTConfig } {
  const config: GPTConfig = { vocabSize: 8000, blockSize: 48, nLayer: 2, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 };
  const model = spreadWeights(config, seed);
  writeCheckpoint(dir, {
    config: {
      format: 'demi-dialogue', version: 1, model: config,
      objective: { lambda: 0, levels: 1, tau: 0.1, split: 'response', projectionDim: 8 },
      tokenizer: { file: 'tokenizer.model' }, maxResponseTokens: 12,
    },
    weights: model.weights(),
    extraFiles: { 'tokenizer.model': readFileSync(join(DEFAULT_MODEL_DIR, 'tokenizer.model')) },
  });
  model.dispose();
  return { dir, config };
}

/** A Hugging Face GPT-2 directory: config.json (model_type gpt2), GPT2Model weight names, byte-level BPE tokenizer.json. */
export async function writeTinyHfGpt2(dir: string, seed = 11): Promise<{ dir: string; config: GPTConfig }> {
  const config: GPTConfig = { vocabSize: 460, blockSize: 48, nLayer: 2, nHead: 4, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 };
  mkdirSync(dir, { recursive: true });
  const model = spreadWeights(config, seed);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, { shape, data }] of model.weights()) tensors.set(name.replace(/^transformer\./, ''), { dtype: 'F32', shape, data });
  model.dispose();
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    model_type: 'gpt2', vocab_size: config.vocabSize, n_positions: config.blockSize, n_embd: config.dModel,
    n_layer: config.nLayer, n_head: config.nHead, layer_norm_epsilon: config.layerNormEpsilon,
  }));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TOKENIZER_FIXTURES, 'byte-bpe', file), join(dir, file));
  return { dir, config };
}
