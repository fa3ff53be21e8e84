/**
 * What the synthetic experiment takes (its options, zod-validated) and what it gives back (a row per
 * estimator and true MI value, and the report files).
 */
import { z } from 'zod';
import { DEFAULT_ESTIMATORS } from './estimators.js';

export const SyntheticOptionsSchema = z
  .object({
    /** Output directory for synthetic.{csv,json,svg,md}; nothing is written when absent. */
    out: z.string().min(1).optional(),
    /** Dimension d of x and y. */
    dim: z.number().int().min(1).default(20),
    /** Batch size N (in-batch negatives: N - 1). */
    batch: z.number().int().min(2).default(128),
    /** The staircase of true MI values (nats), trained in this order with warm-started critics. */
    miValues: z.array(z.number().positive().finite()).min(1).default([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]),
    /** Training steps at each MI value. */
    steps: z.number().int().min(1).default(120),
    /** Extra steps at the first MI value, before its counted steps (the critics start from scratch there). */
    warmupSteps: z.number().int().min(0).default(200),
    /** The estimate of a stage is the mean over its last evalFraction of steps. */
    evalFraction: z.number().gt(0).max(1).default(0.5),
    estimators: z.array(z.string()).min(1).default(DEFAULT_ESTIMATORS),
    hidden: z.number().int().min(1).default(256),
    layers: z.number().int().min(0).default(2),
    embed: z.number().int().min(1).default(32),
    learningRate: z.number().positive().default(5e-4),
    optimizer: z.enum(['adam', 'tfjs-adam']).default('adam'),
    /** demi-M-exact: negatives per anchor (K; the per-term cap is log(K + 1)), default N - 1. */
    exactNegatives: z.number().int().min(1).optional(),
    /** demi-M-exact: how many anchors of each batch get exact negatives (cost grows with anchors x K). */
    exactAnchors: z.number().int().min(1).default(32),
    seed: z.number().int().default(0),
    /** Progress line on stderr. */
    progress: z.boolean().default(true),
  })
  .strict();

export type SyntheticOptions = z.input<typeof SyntheticOptionsSchema>;
export type ResolvedSyntheticOptions = z.output<typeof SyntheticOptionsSchema>;

export interface SyntheticRow {
  estimator: string;
  /** Subviews M (1 for the non-decomposed bounds). */
  subviews: number;
  trueMI: number;
  /** Mean of the per-step estimates over the stage's evaluation window (nats). */
  estimate: number;
  /** Standard deviation of the per-step estimates in that window: the estimator's noise. */
  std: number;
  /** Standard error of the mean (std / sqrt(evalSteps); steps are correlated, so optimistic). */
  stderr: number;
  evalSteps: number;
  /** Evaluation steps whose estimate was not finite (left out of the mean). */
  nonFinite: number;
  /** Steps of the stage whose update was skipped (non-finite objective or gradient). */
  skippedUpdates: number;
  logN: number;
  /** The most the estimator can report: log N for InfoNCE, the sum of per-term caps for DEMI, null if unbounded. */
  cap: number | null;
  /** DEMI: the mean of each term, and each term's true value. */
  terms?: number[];
  trueTerms?: number[];
  /** Importance-sampled DEMI: mean effective sample size of each conditional level's weights (1 = collapsed). */
  ess?: number[];
}

export interface SyntheticResult {
  options: ResolvedSyntheticOptions;
  backend: string;
  rows: SyntheticRow[];
  seconds: number;
  /** Mean wall-clock milliseconds per training step, per estimator. */
  msPerStep: Record<string, number>;
  files?: ReportFiles;
}

export interface ReportFiles {
  csv: string;
  json: string;
  markdown: string;
  svg: string;
}
