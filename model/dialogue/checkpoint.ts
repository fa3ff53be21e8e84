/**
 * Dialogue checkpoints: ours (config.json with format 'demi-dialogue') and Hugging Face GPT-2 /
 * DialoGPT directories (config.json with model_type 'gpt2', model.safetensors, tokenizer.json),
 * whose weight names our GPT shares.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadTokenizer, type Tokenizer } from '../../data/tokenizer/index.js';
import { describeIssues, SeededRandom } from '../../core/index.js';
import { blockParameterNames, GPT, GPTConfigSchema, gpt2InitialValues, parameterShapes, type GPTConfig } from '../transformer/index.js';
import { readCheckpoint, checkArrays, CheckpointError, CONFIG_FILE, WEIGHTS_FILE, type NamedArrays } from '../training/index.js';
import { objectiveSchema, type NewLayerInit, type NewPositionInit } from './config.js';
import { DemiHeads, F_PROJECTION, G_PROJECTION, criticProjections } from './demi-heads.js';
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

const DialogueModelConfigSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  model: GPTConfigSchema,
  objective: objectiveSchema,
  tokenizer: z.object({ file: z.string() }),
  maxResponseTokens: z.number().int().positive(),
  license: z.string().optional(),
}).passthrough();

/** `raw` through `schema`, or a CheckpointError naming the file and every bad field. */
function parseCheckpointConfig<S extends z.ZodTypeAny>(schema: S, raw: unknown, file: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new CheckpointError(`${file}: ${describeIssues(result.error.issues, prefix)}`, {
      hint: 'the file was edited or written by another program; fix those fields, or use the config.json the weights came with',
    });
  }
  return result.data;
}

/** HF GPT-2 config.json -> ours. */
function fromHfConfig(hf: Record<string, unknown>, file: string): GPTConfig {
  return parseCheckpointConfig(GPTConfigSchema, {
    vocabSize: hf.vocab_size, blockSize: hf.n_positions ?? hf.n_ctx, nLayer: hf.n_layer, nHead: hf.n_head,
    dModel: hf.n_embd, dropout: 0, layerNormEpsilon: hf.layer_norm_epsilon ?? 1e-5,
  }, file);
}

/** Weight arrays keyed by our (HF GPT2LMHeadModel) names; GPT2Model files lack the `transformer.` prefix. */
function normaliseNames(weights: NamedArrays, config: GPTConfig): NamedArrays {
  const out: NamedArrays = new Map();
  const wanted = parameterShapes(config);
  for (const [name, array] of weights) {
    const ours = wanted.has(name) ? name : `transformer.${name}`;
    if (wanted.has(ours) || name.startsWith('demi.')) out.set(wanted.has(ours) ? ours : name, array);
  }
  return out;
}

/** How many g projections an objective's critic has (docs/ARCHITECTURE.md §5). */
export function criticHeadLevels(objective: Pick<DemiObjectiveConfig, 'perLevelHeads' | 'levels' | 'split'>): number {
  return objective.perLevelHeads && objective.split === 'response' ? objective.levels : 1;
}

/**
 * Every tensor the config implies, with its shape: the GPT's, and the critic's when the objective
 * trained one (lambda > 0) or the file has one (a stage trained on with lambda = 0 keeps it).
 */
function expectedShapes(config: DialogueModelConfig, weights: NamedArrays): Map<string, number[]> {
  const shapes = parameterShapes(config.model);
  const stored = weights.get(F_PROJECTION) ?? weights.get(G_PROJECTION);
  if (config.objective.lambda > 0 || stored) {
    const k = config.objective.lambda > 0 || !stored ? config.objective.projectionDim : stored.shape[1];
    for (const name of criticProjections(criticHeadLevels(config.objective))) shapes.set(name, [config.model.dModel, k]);
  }
  return shapes;
}

function findTokenizerFile(dir: string, named?: string): string {
  const candidates = [named, 'tokenizer.model', 'tokenizer.json'].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (existsSync(join(dir, c))) return join(dir, c);
  throw new CheckpointError(`${dir} has no tokenizer file (looked for ${candidates.join(', ')})`);
}

/** What a dialogue checkpoint holds, read and checked but not yet made into TF.js variables. */
export interface DialogueCheckpointContents {
  dir: string;
  config: DialogueModelConfig;
  /** Every tensor under our names (the GPT's and, when present, the critic's), shapes checked. */
  weights: Map<string, Float32Array>;
  /** The critic's projection width, when the checkpoint has a critic. */
  criticDim: number | undefined;
  tokenizer: Tokenizer;
  format: DialogueFormat;
}

/**
 * Reads a dialogue checkpoint (ours or a Hugging Face GPT-2 directory) without building the model, for
 * loading and for exports that never run it in TF.js.
 */
export async function readDialogueCheckpoint(dir: string): Promise<DialogueCheckpointContents> {
  const checkpoint = readCheckpoint(dir);
  const raw = checkpoint.config;
  const configFile = join(dir, CONFIG_FILE);
  let config: DialogueModelConfig;
  if (raw.format === CHECKPOINT_FORMAT) {
    config = parseCheckpointConfig(DialogueModelConfigSchema, raw, configFile) as DialogueModelConfig;
  } else if (raw.model_type === 'gpt2') {
    const model = fromHfConfig(raw, configFile);
    config = {
      format: CHECKPOINT_FORMAT, version: 1, model, objective: { lambda: 0, levels: 1, tau: 0.1, split: 'response', projectionDim: 128 },
      tokenizer: { file: 'tokenizer.json' }, maxResponseTokens: Math.floor(model.blockSize / 2),
    };
  } else {
    throw new CheckpointError(`${join(dir, 'config.json')} is neither a demi dialogue checkpoint nor a Hugging Face GPT-2 config`);
  }
  const named = normaliseNames(checkpoint.weights, config.model);
  const expected = expectedShapes(config, named);
  if (config.objective.lambda > 0 && !named.has(F_PROJECTION) && !named.has(G_PROJECTION)) {
    throw new CheckpointError(`${join(dir, WEIGHTS_FILE)} has no DEMI critic (${F_PROJECTION}, ${G_PROJECTION}), but ${configFile} says the model was trained with one (objective.lambda ${config.objective.lambda})`, {
      hint: 'use the model.safetensors that came with this config.json; to load the model without its critic, set objective.lambda to 0 there',
    });
  }
  checkArrays(join(dir, WEIGHTS_FILE), named, expected);
  const weights = new Map([...named].map(([name, { data }]) => [name, data]));
  const tokenizer = await loadTokenizer(findTokenizerFile(dir, config.tokenizer?.file));
  if (tokenizer.vocabSize > config.model.vocabSize) {
    throw new CheckpointError(`${dir}: tokenizer has ${tokenizer.vocabSize} ids but the model only ${config.model.vocabSize}`);
  }
  return { dir, config, weights, criticDim: expected.get(F_PROJECTION)?.[1], tokenizer, format: dialogueFormat(tokenizer) };
}

/**
 * What a training run that starts from a checkpoint (`model.init`) sets itself; the network's shape and
 * every weight are the checkpoint's.
 */
export interface InitOverrides {
  /**
   * A longer context than the checkpoint's: its position table grows (the trained rows kept, the new
   * ones set by `newPositions`). A shorter one leaves the table as it is (the positions past it go unused).
   */
  blockSize?: number;
  /** How the grown rows start; 'normal' when absent (NEW_POSITION_INITS in config.ts). */
  newPositions?: NewPositionInit;
  /** A deeper network than the checkpoint's: blocks added on top, started by `newLayers`; needs both. */
  nLayer?: number;
  newLayers?: NewLayerInit;
  /** Dropout is a training choice, not part of the network: the run's applies. */
  dropout?: number;
  /** Draws the new position rows when `newPositions` is 'normal' and `blockSize` grows the table, then the new blocks. */
  random?: SeededRandom;
}

/**
 * The weights of blocks trained..nLayer-1 for a network grown on top of a trained one (NEW_LAYER_INITS in
 * config.ts): drawn as GPT-2 draws a block (N(0, 0.02), unit LayerNorm gains, zero biases) with both
 * residual output projections zero, so each new block passes its input through unchanged.
 */
export function newIdentityBlocks(trained: number, nLayer: number, dModel: number, random: SeededRandom): Map<string, Float32Array> {
  const shapes = parameterShapes({ vocabSize: 1, blockSize: 1, nLayer, nHead: 1, dModel, dropout: 0, layerNormEpsilon: 1e-5 });
  const blocks = new Map<string, Float32Array>();
  for (let i = trained; i < nLayer; i++) {
    for (const name of blockParameterNames(i)) {
      const size = shapes.get(name)!.reduce((a, b) => a * b, 1);
      blocks.set(name, name.endsWith('c_proj.weight') ? new Float32Array(size) : gpt2InitialValues(name, size, random, 0));
    }
  }
  return blocks;
}

/** The grown position table, [rows, dModel], from the trained one, [trained, dModel]. */
export function growPositionTable(trainedTable: Float32Array, trained: number, rows: number, dModel: number,
  how: NewPositionInit, random?: SeededRandom): Float32Array {
  const table = new Float32Array(rows * dModel);
  if (how === 'interpolate') {
    for (let p = 0; p < rows; p++) {
      const at = rows === 1 ? 0 : p * (trained - 1) / (rows - 1);
      const below = Math.floor(at);
      const above = Math.min(below + 1, trained - 1);
      const w = at - below;
      for (let d = 0; d < dModel; d++) {
        table[p * dModel + d] = (1 - w) * trainedTable[below * dModel + d] + w * trainedTable[above * dModel + d];
      }
    }
    return table;
  }
  table.set(trainedTable.subarray(0, trained * dModel));
  if (how === 'tile') {
    for (let p = trained; p < rows; p++) table.copyWithin(p * dModel, (p % trained) * dModel, (p % trained + 1) * dModel);
  } else {
    if (!random) throw new CheckpointError('growing the position table with new N(0, 0.02) rows needs a SeededRandom');
    table.set(random.normalArray((rows - trained) * dModel, 0.02), trained * dModel);
  }
  return table;
}

export async function loadDialogueModel(dir: string, overrides: InitOverrides = {}): Promise<LoadedDialogueModel> {
  const { config: stored, weights, criticDim, tokenizer, format } = await readDialogueCheckpoint(dir);
  let config = stored;
  if (overrides.dropout !== undefined) config = { ...config, model: { ...config.model, dropout: overrides.dropout } };
  if (overrides.blockSize !== undefined && overrides.blockSize > config.model.blockSize) {
    const { blockSize: trained, dModel } = config.model;
    weights.set('transformer.wpe.weight', growPositionTable(weights.get('transformer.wpe.weight')!, trained,
      overrides.blockSize, dModel, overrides.newPositions ?? 'normal', overrides.random));
    config = { ...config, model: { ...config.model, blockSize: overrides.blockSize } };
  }
  if (overrides.newLayers !== undefined && overrides.nLayer !== undefined && overrides.nLayer > config.model.nLayer) {
    if (!overrides.random) throw new CheckpointError('adding blocks to a trained network needs a SeededRandom');
    for (const [name, values] of newIdentityBlocks(config.model.nLayer, overrides.nLayer, config.model.dModel, overrides.random)) weights.set(name, values);
    config = { ...config, model: { ...config.model, nLayer: overrides.nLayer } };
  }
  const model = new GPT(config.model, weights);
  const heads = criticDim === undefined ? null : new DemiHeads(config.model.dModel, criticDim, weights, criticHeadLevels(config.objective));
  return {
    dir, model, heads, tokenizer, format, config,
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
  const heads = objective.lambda > 0 ? new DemiHeads(config.dModel, objective.projectionDim, random, criticHeadLevels(objective)) : null;
  return { model, heads };
}
