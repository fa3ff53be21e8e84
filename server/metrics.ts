/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
 * labels. Hand-written because prom-client is not a dependency; it covers what /metrics needs.
 */
type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const keyOf = (labels: Labels) => JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
const render = (labels: Labels, extra: Labels = {}) => {
  const all = { ...labels, ...extra };
  const parts = Object.keys(all).map((k) => `${k}="${escape(all[k])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const slot = this.values.get(key) ?? { labels, value: 0 };
    slot.value += by;
    this.values.set(key, slot);
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  lines(): string[] {
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${render(labels)} ${num(value)}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  /** Read at render time instead of set (e.g. the queue depth). */
  private collector: (() => number) | undefined;

  constructor(readonly name: string, readonly help: string) {}

  set(value: number, labels: Labels = {}): void {
    this.values.set(keyOf(labels), { labels, value });
  }

  collect(fn: () => number): this {
    this.collector = fn;
    return this;
  }

  lines(): string[] {
    if (this.collector) return [`${this.name} ${num(this.collector())}`];
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${render(labels)} ${num(value)}`);
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const key = keyOf(labels);
    const s = this.series.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
    this.series.set(key, s);
  }

  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${render(s.labels, { le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${render(s.labels, { le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${render(s.labels)} ${num(s.sum)}`);
      out.push(`${this.name}_count${render(s.labels)} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }

  /** The text format; `Content-Type: text/plain; version=0.0.4`. */
  render(): string {
    return `${this.metrics.flatMap((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines()]).join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
