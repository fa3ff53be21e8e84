/** Small timing helpers for benchmarks: medians of repeated runs, never a single sample. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function timeRuns(runs: number, fn: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Results of repeated benchmark processes, by key (engine@threads, ...). A process that printed no JSON
 * is kept as a failure with its reason, printed under the table.
 */
export class BenchResults<R> {
  readonly runs = new Map<string, R[]>();
  readonly failures = new Map<string, string>();

  record(key: string, out: R | string): void {
    if (typeof out === 'string') this.failures.set(key, out);
    else this.runs.set(key, [...(this.runs.get(key) ?? []), out]);
  }

  /** The median of `pick` over the key's runs that have the figure, or undefined. */
  median(key: string, pick: (r: R) => number | undefined): number | undefined {
    const values = (this.runs.get(key) ?? []).map(pick).filter((v): v is number => typeof v === 'number');
    return values.length ? median(values) : undefined;
  }

  printFailures(): void {
    for (const [name, why] of this.failures) console.log(`${name}: ${why}`);
  }
}

/** A table cell: the figure to `digits` places, or '-' when there is none. */
export const cell = (v: number | undefined, digits: number): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
