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
