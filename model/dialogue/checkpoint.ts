/**
 * Dialogue checkpoints: ours (config.json with format 'demi-dialogue') and Hugging Face GPT-2 /
 * DialoGPT directories (config.json with model_type 'gpt2', model.safetensors, tokenizer.json),
 * whose weight names our GPT shares.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, type Tokenizer } from '../../data/tokenizer/index.js';
import { SeededRandom } from '../../core/index.js';
import { GPT, GPTConfigSchema, parameterShapes, type GPTConfig } from '../transformer/index.js';
import { readCheckpoint, CheckpointError, type NamedArrays } from '../training/index.js';
import { DemiHeads, F_PROJECTION } from './demi-heads.js';
import { dialogueFormat, type DialogueFormat } from './format.js';
import type { DemiObjectiveConfig } from './objective.js';

export const CHECKPOINT_FORMAT = 'demi-dialogue';

export interface DialogueModelConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  model: GPTConfig;
  objective: DemiObjectiveConfig;
  tokenizer: { file: string };
  maxResponseTokens: number;
  license?: string;
}

export interface LoadedDialogueModel {
  dir: string;
  model: GPT;
  /** The trained critic, when the checkpoint has one (lambda > 0). */
  heads: DemiHeads | null;
  tokenizer: Tokenizer;
  format: DialogueFormat;
  config: DialogueModelConfig;
  dispose(): void;
}

/** HF GPT-2 config.json -> ours. */
function fromHfConfig(hf: Record<string, unknown>): GPTConfig {
  return GPTConfigSchema.parse({
    vocabSize: hf.vocab_size, blockSize: hf.n_positions ?? hf.n_ctx, nLayer: hf.n_layer, nHead: hf.n_head,
    dModel: hf.n_embd, dropout: 0, layerNormEpsilon: hf.layer_norm_epsilon ?? 1e-5,
  });
}

/** Weight arrays keyed by our (HF GPT2LMHeadModel) names; GPT2Model files lack the `transformer.` prefix. */
function normaliseNames(weights: NamedArrays, config: GPTConfig): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const wanted = parameterShapes(config);
  for (const [name, { data }] of weights) {
    const ours = wanted.has(name) ? name : `transformer.${name}`;
    if (wanted.has(ours) || name.startsWith('demi.')) out.set(wanted.has(ours) ? ours : name, data);
  }
  return out;
}

function findTokenizerFile(dir: string, named?: string): string {
  const candidates = [named, 'tokenizer.model', 'tokenizer.json'].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (existsSync(join(dir, c))) return join(dir, c);
  throw new CheckpointError(`${dir} has no tokenizer file (looked for ${candidates.join(', ')})`);
}

export async function loadDialogueModel(dir: string): Promise<LoadedDialogueModel> {
  const checkpoint = readCheckpoint(dir);
  const raw = checkpoint.config;
  let config: DialogueModelConfig;
  if (raw.format === CHECKPOINT_FORMAT) {
    config = raw as unknown as DialogueModelConfig;
    config.model = GPTConfigSchema.parse(config.model);
  } else if (raw.model_type === 'gpt2') {
    const model = fromHfConfig(raw);
    config = {
      format: CHECKPOINT_FORMAT, version: 1, model, objective: { lambda: 0, levels: 1, tau: 0.1, split: 'response', projectionDim: 128 },
      tokenizer: { file: 'tokenizer.json' }, maxResponseTokens: Math.floor(model.blockSize / 2),
    };
  } else {
    throw new CheckpointError(`${join(dir, 'config.json')} is neither a demi dialogue checkpoint nor a Hugging Face GPT-2 config`);
  }
  const weights = normaliseNames(checkpoint.weights, config.model);
  let model: GPT;
  try {
    model = new GPT(config.model, weights);
  } catch (err) {
    throw new CheckpointError(`${dir}: ${(err as Error).message}`);
  }
  const f = weights.get(F_PROJECTION);
  const heads = f ? new DemiHeads(config.model.dModel, f.length / config.model.dModel, weights) : null;
  const tokenizer = await loadTokenizer(findTokenizerFile(dir, config.tokenizer?.file));
  if (tokenizer.vocabSize > config.model.vocabSize) {
    model.dispose();
    heads?.dispose();
    throw new CheckpointError(`${dir}: tokenizer has ${tokenizer.vocabSize} ids but the model only ${config.model.vocabSize}`);
  }
  return {
    dir, model, heads, tokenizer, format: dialogueFormat(tokenizer), config,
    dispose() {
      model.dispose();
      heads?.dispose();
    },
  };
}

/** The tokenizer file as checkpoint contents: its name in the checkpoint and its bytes. */
export function tokenizerFileEntry(tokenizer: Tokenizer): [string, Uint8Array] {
  const name = tokenizer.file.endsWith('.json') ? 'tokenizer.json' : 'tokenizer.model';
  return [name, readFileSync(tokenizer.file)];
}

export function newDialogueModel(config: GPTConfig, objective: DemiObjectiveConfig, seed: number): { model: GPT; heads: DemiHeads | null } {
  const random = new SeededRandom(seed);
  const model = new GPT(config, random);
  const heads = objective.lambda > 0 ? new DemiHeads(config.dModel, objective.projectionDim, random) : null;
  return { model, heads };
}
