/**
 * `demi train vision` configuration: a JSON file (configs/vision-*.json) plus command-line overrides
 * (`--set objective.miUnits=256`, `--method`, `--out`, `--steps`), validated by zod. Defaults follow
 * DIM's code (docs/ARCHITECTURE.md §9): Adam lr 1e-4, betas (0.5, 0.999), no weight decay, batch 64; objective
 * weights by method (DIM(L): beta 1, gamma 0.1; DIM(G): alpha 1, gamma 1).
 */
import { loadConfig, parseConfig } from '../../core/index.js';
import { trainingConfigSchema } from '../training/index.js';
import { z } from 'zod';
import { ENCODER_NAMES } from './encoder.js';
import { VisionError } from '../errors.js';

export const METHODS = ['dim-local', 'dim-global', 'infonce', 'demi'] as const;
export type VisionMethod = (typeof METHODS)[number];
export const DATASETS = ['cifar10', 'cifar10-jpeg', 'stl10', 'fashion-mnist', 'mnist', 'image-folder'] as const;
export type DatasetName = (typeof DATASETS)[number];

export const DatasetSpecSchema = z.object({
  name: z.enum(DATASETS).default('cifar10'),
  /** cifar10-jpeg: the .tar.gz; image-folder: the folder (or .tar/.tar.gz); mnist/fashion-mnist: the IDX folder. */
  path: z.string().optional(),
  /** Split to read: train | test (stl10 also unlabeled | train+unlabeled; image-folder archives: the member prefix of the class folders). */
  split: z.string().default('train'),
  /** Use at most this many images (the first ones after a seeded shuffle). */
  maxImages: z.number().int().positive().optional(),
  /** STL-10: at most this many unlabeled images. */
  unlabeledLimit: z.number().int().positive().optional(),
  cacheDir: z.string().optional(),
}).strict();
export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;

export const AugmentSchema = z.object({
  /** none: resize to the encoder input; random: a random input-sized crop (after `padding`); resized: RandomResizedCrop. */
  crop: z.enum(['none', 'random', 'resized']),
  cropScale: z.tuple([z.number().positive(), z.number().positive()]).default([0.2, 1]),
  padding: z.number().int().min(0).default(0),
  flip: z.number().min(0).max(1),
  /** Colour jitter strength s: brightness/contrast/saturation s, hue s/4, applied with probability jitterProbability (0: off). */
  jitter: z.number().min(0),
  jitterProbability: z.number().min(0).max(1).default(0.8),
  grayscale: z.number().min(0).max(1),
}).strict();
export type AugmentConfig = z.infer<typeof AugmentSchema>;

const DIM_AUGMENT: AugmentConfig = { crop: 'none', cropScale: [0.2, 1], padding: 0, flip: 0, jitter: 0, jitterProbability: 0.8, grayscale: 0 };
const CONTRASTIVE_AUGMENT: AugmentConfig = { crop: 'resized', cropScale: [0.2, 1], padding: 0, flip: 0.5, jitter: 0.4, jitterProbability: 0.8, grayscale: 0.2 };

export const VisionTrainConfigSchema = z.object({
  outDir: z.string().default('runs/vision'),
  method: z.enum(METHODS).default('dim-local'),
  data: z.object({
    train: DatasetSpecSchema.default({}),
    /** Images held out from the end of the (shuffled) training set for validation and the quick probe. */
    validImages: z.number().int().min(0).default(2048),
  }).strict().default({}),
  encoder: z.object({
    architecture: z.enum(ENCODER_NAMES as [string, ...string[]]).default('basic32x32'),
    outputUnits: z.number().int().positive().default(64),
    /** Channel/unit multiplier of the encoder blocks (1 = the paper's). */
    width: z.number().positive().default(1),
  }).strict().default({}),
  objective: z.object({
    estimator: z.enum(['jsd', 'infonce', 'dv']).default('jsd'),
    /** Embedding size of the MI critics (paper code: 2048; 512 here for CPU budgets). */
    miUnits: z.number().int().positive().default(512),
    /** Global DIM weight (default: 1 for dim-global, else 0). */
    alpha: z.number().min(0).optional(),
    /** Local DIM weight (default: 1 for dim-local, else 0). */
    beta: z.number().min(0).optional(),
    /** Prior matching weight (default: 0.1 for dim-local, 1 for dim-global, 0 for infonce/demi). */
    gamma: z.number().min(0).optional(),
    priorHidden: z.array(z.number().int().positive()).default([1000, 200]),
    gradientPenalty: z.number().min(0).default(1),
    /** DEMI: number of nested subviews M (infonce: always 1). */
    levels: z.number().int().min(1).max(8).default(2),
    /** DEMI: subview scales, smallest first, last 1 (default: linear from minScale to 1). */
    subviewScales: z.array(z.number().positive().max(1)).optional(),
    minScale: z.number().positive().max(1).default(0.5),
    tau: z.number().positive().default(0.2),
  }).strict().default({}),
  /** View augmentation (default: none for DIM, SimCLR-like for infonce/demi). */
  augment: AugmentSchema.partial().default({}),
  training: trainingConfigSchema({
    steps: 1000, batchSize: 64, learningRate: 1e-4, warmupSteps: 0, minLearningRateRatio: 1,
    weightDecay: 0, beta1: 0.5, beta2: 0.999, clipNorm: 0,
  }),
  validation: z.object({
    /** Quick linear probe on Y at every validation (held-out images split in half): 0 = off. */
    probeEpochs: z.number().int().min(0).default(30),
    probeFeature: z.enum(['conv', 'fc', 'y']).default('y'),
  }).strict().default({}),
}).strict();

export type VisionTrainConfig = z.infer<typeof VisionTrainConfigSchema>;

export interface ResolvedObjective {
  alpha: number;
  beta: number;
  gamma: number;
  levels: number;
}

/** Method-dependent defaults of the objective weights and levels. */
export function resolveObjective(config: Pick<VisionTrainConfig, 'method' | 'objective'>): ResolvedObjective {
  const { method, objective: o } = config;
  const dim = method === 'dim-local' || method === 'dim-global';
  const alpha = o.alpha ?? (method === 'dim-global' ? 1 : 0);
  const beta = o.beta ?? (method === 'dim-local' ? 1 : 0);
  const gamma = o.gamma ?? (method === 'dim-local' ? 0.1 : method === 'dim-global' ? 1 : 0);
  if (dim && alpha === 0 && beta === 0) throw new VisionError(`${method}: objective.alpha (global) and objective.beta (local) are both 0: nothing to train`);
  if (!dim && (o.alpha || o.beta)) throw new VisionError(`${method}: objective.alpha/beta are DIM weights; ${method} trains the DEMI critic only`);
  const levels = method === 'infonce' ? 1 : method === 'demi' ? (o.subviewScales?.length ?? o.levels) : 0;
  return { alpha, beta, gamma, levels };
}

export function resolveAugment(config: Pick<VisionTrainConfig, 'method' | 'augment'>): AugmentConfig {
  const base = config.method === 'infonce' || config.method === 'demi' ? CONTRASTIVE_AUGMENT : DIM_AUGMENT;
  return { ...base, ...config.augment };
}

export function parseVisionTrainConfig(raw: unknown, source = 'config'): VisionTrainConfig {
  const config = parseConfig(VisionTrainConfigSchema, raw, `vision training ${source}`);
  resolveObjective(config);
  const scales = config.objective.subviewScales;
  if (scales && (scales[scales.length - 1] !== 1 || scales.some((s, k) => k > 0 && !(s > scales[k - 1])))) {
    throw new VisionError(`objective.subviewScales must increase strictly and end at 1 (the whole view), got [${scales.join(', ')}]`);
  }
  return config;
}

export function loadVisionTrainConfig(file: string | undefined, overrides: string[]): VisionTrainConfig {
  return parseVisionTrainConfig(loadConfig(z.unknown(), file, overrides, 'vision training config'), file ? `config (${file})` : 'config');
}
