import { z } from 'zod';

/** Learning-rate schedule: linear warmup to the peak, then cosine decay to minRatio * peak. */
export interface ScheduleConfig {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  /** Final learning rate as a fraction of the peak (default 0.1). */
  minRatio?: number;
}

/** Learning rate of 1-based optimizer step `step`. */
export function learningRateAt(step: number, c: ScheduleConfig): number {
  const minRatio = c.minRatio ?? 0.1;
  if (c.warmupSteps > 0 && step <= c.warmupSteps) return (c.peak * step) / c.warmupSteps;
  const span = Math.max(1, c.totalSteps - c.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - c.warmupSteps) / span));
  return c.peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * The `training` block of the dialogue and vision configs: the same keys, with each trainer's
 * defaults (the dialogue trainer follows nanoGPT, the vision trainer DIM's code).
 */
export function trainingConfigSchema(d: {
  steps: number; batchSize: number; learningRate: number; warmupSteps: number; minLearningRateRatio: number;
  weightDecay: number; beta1: number; beta2: number; clipNorm: number;
}) {
  return z.object({
    steps: z.number().int().positive().default(d.steps),
    batchSize: z.number().int().min(2).default(d.batchSize),
    learningRate: z.number().positive().default(d.learningRate),
    warmupSteps: z.number().int().min(0).default(d.warmupSteps),
    minLearningRateRatio: z.number().min(0).max(1).default(d.minLearningRateRatio),
    weightDecay: z.number().min(0).default(d.weightDecay),
    beta1: z.number().min(0).max(1).default(d.beta1),
    beta2: z.number().min(0).max(1).default(d.beta2),
    clipNorm: z.number().min(0).default(d.clipNorm),
    seed: z.number().int().default(1),
    evalEvery: z.number().int().positive().default(200),
    patience: z.number().int().min(0).default(0),
    logEvery: z.number().int().positive().default(10),
  }).strict().default({});
}
