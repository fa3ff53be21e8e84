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

// ---- server metrics

/** The metrics /metrics exposes (names after Hugging Face TGI's). */
/** `socket` (socket.io chat) or `openai` (/v1/chat/completions). */
export type ChatRoute = 'socket' | 'openai';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpRequests = this.registry.register(new Counter('demi_http_requests_total', 'HTTP requests by route, method and status'));
  readonly chatRequests = this.registry.register(new Counter('demi_chat_requests_total', 'chat requests by route and outcome (ok, cancelled, error, rejected)'));
  readonly promptTokens = this.registry.register(new Counter('demi_prompt_tokens_total', 'prompt tokens fed to the model, by route'));
  readonly generatedTokens = this.registry.register(new Counter('demi_generated_tokens_total', 'tokens generated, by route'));
  readonly errors = this.registry.register(new Counter('demi_errors_total', 'errors returned to clients, by route and code'));
  readonly timeToFirstToken = this.registry.register(new Histogram('demi_time_to_first_token_seconds', 'from accepting a request to its first token (queue wait included), by route', LATENCY_BUCKETS));
  readonly queueWait = this.registry.register(new Histogram('demi_queue_wait_seconds', 'time requests waited for a worker, by route', LATENCY_BUCKETS));
  readonly requestDuration = this.registry.register(new Histogram('demi_request_duration_seconds', 'from accepting a request to its last token, by route', LATENCY_BUCKETS));
  readonly queueDepth = this.registry.register(new Gauge('demi_queue_depth', 'requests waiting for a generation worker'));
  readonly activeGenerations = this.registry.register(new Gauge('demi_active_generations', 'generations running now'));
  readonly socketConnections = this.registry.register(new Gauge('demi_socket_connections', 'connected socket.io clients'));
  readonly sessions = this.registry.register(new Gauge('demi_sessions', 'chat sessions held in memory'));
  readonly modelLoaded = this.registry.register(new Gauge('demi_model_loaded', '1 once the model is loaded'));
}
