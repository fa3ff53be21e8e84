/**
 * `demi train dialogue` configuration: a JSON file (configs/*.json) plus command-line overrides
 * (`--set objective.levels=2`, or the short flags of the command), validated by zod.
 */
import { z } from 'zod';
import { loadConfig } from '../../core/index.js';
import { trainingConfigSchema } from '../training/index.js';

/**
 * Ways to start the rows a longer window adds to a learned position table. 'normal' draws them as GPT-2
 * draws its own (N(0, 0.02)): the model meets positions it has never seen, and the responses of long
 * dialogues sit there. 'tile' repeats the trained rows (row p = row p mod trained), as Longformer
 * extended RoBERTa's table. 'interpolate' stretches them (row p = the trained table read at
 * p * (trained - 1) / (new - 1), linearly): every position looks like one the model knows, at half the
 * resolution when the window doubles. Which serves a model best is measured (docs/ARCHITECTURE.md §5).
 */
export const NEW_POSITION_INITS = ['normal', 'tile', 'interpolate'] as const;
export type NewPositionInit = typeof NEW_POSITION_INITS[number];

/**
 * Ways to start the blocks a deeper network adds on top of a trained one. 'identity' draws each new
 * block as GPT-2 draws its own but zeroes its two residual output projections (attention and MLP
 * c_proj, weights and biases), so every new block adds nothing to the residual stream: the grown model
 * computes exactly what the checkpoint did, and training starts from its loss rather than from the
 * damage random blocks would do to it. The zeroed projections still get gradients (their inputs are not
 * zero), so the blocks start learning at the first step.
 */
export const NEW_LAYER_INITS = ['identity'] as const;
export type NewLayerInit = typeof NEW_LAYER_INITS[number];

const sourceSchema = (defaultSplit: string, defaultMaxExamples?: number) => z.object({
  corpus: z.enum(['dailydialog', 'jsonl', 'wizard-of-wikipedia', 'topical-chat']).default('dailydialog'),
  /** Local file; without it the corpus is downloaded (checksum-verified) into the cache. */
  path: z.string().optional(),
  split: z.string().default(defaultSplit),
  /**
   * DailyDialog only: 'repaired' undoes the ConvLab text's contraction casing ("I'Ve" -> "I've");
   * 'as-published' keeps it (what every run before the repair saw). Other corpora are read as written.
   */
  text: z.enum(['repaired', 'as-published']).default('repaired'),
  /** Use at most this many examples (the first ones). */
  maxExamples: z.number().int().positive().optional().default(defaultMaxExamples as number),
}).strict().default({});

/** The DEMI objective of a run; checkpoints carry it in config.json and are checked against it when loaded. */
export const objectiveSchema = z.object({
  lambda: z.number().min(0).default(0.1),
  levels: z.number().int().min(1).max(16).default(4),
  tau: z.number().positive().default(0.1),
  split: z.enum(['response', 'context']).default('response'),
  projectionDim: z.number().int().positive().default(128),
  /**
   * Which tokens the LM loss of training batches covers: 'response' (the paper's objective) or
   * 'dialogue' (every turn in the window, each a reply to those before it: several times the
   * signal per step). Validation perplexity is always over response tokens.
   */
  lmTargets: z.enum(['response', 'dialogue']).default('response'),
  /**
   * The critic of each conditional term I(x; y(k) | y(k-1)), k >= 2, and its importance weights
   * (docs/ARCHITECTURE.md §5; README "DEMI's conditional terms"):
   * 'level': S_k weighted by S_(k-1), one score playing both roles (the paper's recipe as first built);
   * 'difference': S_k - S_(k-1) weighted by S_(k-1), right when each S_k estimates the full pmi of
   *   (x, y(k)), which in-batch training of a shared critic makes it do;
   * 'cumulative': S_k weighted by S_1 + ... + S_(k-1), right when each S_k is a conditional critic.
   */
  conditionalCritic: z.enum(['level', 'difference', 'cumulative']).default('level'),
  /**
   * One g projection per response prefix y(k) instead of one shared by all: lets S_k be a conditional
   * critic ('cumulative') rather than M estimates of the same full-pair pmi. The whole response keeps
   * the shared head's name, so rerank works either way.
   */
  perLevelHeads: z.boolean().default(false),
}).strict();

/** The network's shape when a config trains from scratch and does not give it. */
export const DEFAULT_SHAPE = { nLayer: 4, nHead: 4, dModel: 256 } as const;

export const DialogueTrainConfigSchema = z.object({
  outDir: z.string().default('runs/dialogue'),
  data: z.object({
    train: sourceSchema('train'),
    valid: sourceSchema('validation', 1024),
    maxContextTurns: z.number().int().positive().optional(),
  }).strict().default({}),
  tokenizer: z.object({
    /** A SentencePiece .model or HF tokenizer.json; without it one is trained on the training split. */
    path: z.string().optional(),
    vocabSize: z.number().int().min(64).default(8000),
  }).strict().default({}),
  model: z.object({
    /** The training window; with `init`, a longer one than the checkpoint's grows its position table. */
    blockSize: z.number().int().positive().default(128),
    /** With `init` and a longer window: how the grown position rows start (NEW_POSITION_INITS). */
    newPositions: z.enum(NEW_POSITION_INITS).default('normal'),
    /**
     * The network's shape: DEFAULT_SHAPE when absent; with `init` it is the checkpoint's, and a value
     * that differs is an error, except a larger nLayer beside `newLayers`.
     */
    nLayer: z.number().int().positive().optional(),
    /** With `init` and an nLayer above the checkpoint's: how the blocks added on top start (NEW_LAYER_INITS). */
    newLayers: z.enum(NEW_LAYER_INITS).optional(),
    nHead: z.number().int().positive().optional(),
    dModel: z.number().int().positive().optional(),
    /** Applies with `init` too (dropout is a training choice; the checkpoint's is replaced). */
    dropout: z.number().min(0).max(1).default(0.1),
    /** Start from a checkpoint directory (ours, or an imported HF GPT-2 / DialoGPT). */
    init: z.string().optional(),
  }).strict().refine((m) => m.init !== undefined || (m.dModel ?? DEFAULT_SHAPE.dModel) % (m.nHead ?? DEFAULT_SHAPE.nHead) === 0, {
    message: 'dModel must be divisible by nHead', path: ['dModel'],
  }).refine((m) => m.newLayers === undefined || m.init !== undefined, {
    message: 'newLayers grows a trained network: it needs model.init', path: ['newLayers'],
  }).default({}),
  objective: objectiveSchema.default({}),
  training: trainingConfigSchema({
    steps: 2000, batchSize: 32, learningRate: 1e-3, warmupSteps: 100, minLearningRateRatio: 0.1,
    weightDecay: 0.01, beta1: 0.9, beta2: 0.99, clipNorm: 1,
  }),
}).strict();

export type DialogueTrainConfig = z.infer<typeof DialogueTrainConfigSchema>;

export function loadDialogueTrainConfig(file: string | undefined, overrides: string[]): DialogueTrainConfig {
  return loadConfig(DialogueTrainConfigSchema, file, overrides, 'dialogue training config');
}
