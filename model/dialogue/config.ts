/**
 * `demi train dialogue` configuration: a JSON file (configs/*.json) plus command-line overrides
 * (`--set objective.levels=2`, or the short flags of the command), validated by zod.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { applyOverrides, ConfigError } from '../training/index.js';

export { applyOverrides, ConfigError };

const sourceSchema = (defaultSplit: string, defaultMaxExamples?: number) => z.object({
  corpus: z.enum(['dailydialog', 'jsonl', 'wizard-of-wikipedia', 'topical-chat']).default('dailydialog'),
  /** Local file; without it the corpus is downloaded (checksum-verified) into the cache. */
  path: z.string().optional(),
  split: z.string().default(defaultSplit),
  /** Use at most this many examples (the first ones). */
  maxExamples: z.number().int().positive().optional().default(defaultMaxExamples as number),
}).strict().default({});

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
    blockSize: z.number().int().positive().default(128),
    nLayer: z.number().int().positive().default(4),
    nHead: z.number().int().positive().default(4),
    dModel: z.number().int().positive().default(256),
    dropout: z.number().min(0).max(1).default(0.1),
    /** Start from a checkpoint directory (ours, or an imported HF GPT-2 / DialoGPT). */
    init: z.string().optional(),
  }).strict().default({}),
  objective: z.object({
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
  }).strict().default({}),
  training: z.object({
    steps: z.number().int().positive().default(2000),
    batchSize: z.number().int().min(2).default(32),
    learningRate: z.number().positive().default(1e-3),
    warmupSteps: z.number().int().min(0).default(100),
    minLearningRateRatio: z.number().min(0).max(1).default(0.1),
    weightDecay: z.number().min(0).default(0.01),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.99),
    clipNorm: z.number().min(0).default(1),
    seed: z.number().int().default(1),
    evalEvery: z.number().int().positive().default(200),
    patience: z.number().int().min(0).default(0),
    logEvery: z.number().int().positive().default(10),
  }).strict().default({}),
}).strict();

export type DialogueTrainConfig = z.infer<typeof DialogueTrainConfigSchema>;

export function loadDialogueTrainConfig(file: string | undefined, overrides: string[]): DialogueTrainConfig {
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
    }
  }
  const result = DialogueTrainConfigSchema.safeParse(applyOverrides(base, overrides));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid dialogue training config${file ? ` (${file})` : ''}: ${problems}`);
  }
  return result.data;
}
