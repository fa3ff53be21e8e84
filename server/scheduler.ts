/**
 * The bounded FIFO queue in front of the generation workers. A request either starts at once on an
 * idle worker, or waits in the queue; when `maxQueue` requests already wait it is refused at once
 * with `overloaded` (HTTP 429), as TGI and Ollama do, instead of waiting for an unbounded time.
 */
import { ServerError, type ErrorBody } from './errors.js';
import { cancelledUnstarted, isFinal, type Job, type Sink } from './job.js';
import type { WorkerPool } from './worker/worker-pool.js';
import type { ModelWorker } from './worker/model-worker.js';

const NO_WORKER = 'no generation worker is running (one died and its replacement could not load the model; see the server log): restart the server';

interface Entry {
  job: Job;
  sink: Sink;
  enqueuedAt: number;
  worker?: ModelWorker;
  cancelled: boolean;
  /** Answered by endAll(): later outcomes from the worker are not the client's any more. */
  ended?: boolean;
}

export class Scheduler {
  private readonly queue: Entry[] = [];
  private readonly running = new Map<string, Entry>();
  private closed: string | undefined;

  constructor(private readonly pool: WorkerPool, readonly maxQueue: number) {
    pool.onChange = () => this.dispatch();
  }

  /** Requests waiting for a worker. */
  get depth(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.running.size;
  }

  /**
   * Shutdown: refuses new jobs with `shutting_down` (`reason` is its message) and answers every
   * queued one at once with that error (`queuedReason`), so that its client can retry elsewhere
   * now instead of waiting out a grace period that is spent on the replies already generating.
   */
  close(reason: string, queuedReason = reason): void {
    this.closed = reason;
    const error = new ServerError('shutting_down', queuedReason).toJSON();
    for (const entry of this.queue.splice(0)) entry.sink({ kind: 'error', error });
  }

  /** Throws what submit() would before it looks at the queue (shutting_down, not_ready, no worker). */
  checkOpen(): void {
    if (this.closed) throw new ServerError('shutting_down', this.closed);
    if (!this.pool.loaded) throw new ServerError('not_ready', 'the model is still loading: retry in a few seconds (GET /health says when it is ready)');
    if (!this.pool.alive) throw new ServerError('internal', NO_WORKER);
  }

  /**
   * Accepts a job, or throws `overloaded` (queue full), `not_ready` or `shutting_down` at once.
   * Returns its queue position: 0 when it started right away, k when k requests are ahead of it.
   * The job's outcomes go to `sink`: `started` when a worker takes it, then the worker's.
   */
  submit(job: Job, sink: Sink): number {
    this.checkOpen();
    const entry: Entry = { job, sink, enqueuedAt: performance.now(), cancelled: false };
    const worker = this.queue.length === 0 ? this.pool.idleWorker() : undefined;
    if (worker) {
      this.start(entry, worker);
      return 0;
    }
    if (this.queue.length >= this.maxQueue) {
      throw new ServerError('overloaded',
        `the server is busy: ${this.running.size} replies are being generated and ${this.queue.length} requests wait (the queue holds ${this.maxQueue}); retry in a moment`);
    }
    this.queue.push(entry);
    return this.queue.length;
  }

  /** Cancels a queued or running job; false when it is unknown or already finished. */
  cancel(id: string): boolean {
    const i = this.queue.findIndex((e) => e.job.id === id);
    if (i >= 0) {
      const [entry] = this.queue.splice(i, 1);
      entry.cancelled = true;
      entry.sink(cancelledUnstarted());
      return true;
    }
    const entry = this.running.get(id);
    if (!entry || entry.cancelled) return false;
    entry.cancelled = true;
    entry.worker?.cancel(id);
    return true;
  }

  has(id: string): boolean {
    return this.running.has(id) || this.queue.some((e) => e.job.id === id);
  }

  /**
   * Ends every queued and running job now with `error` (shutdown after the grace period). The
   * answer does not wait for the worker: it is told to stop, and whatever it still sends for the
   * job is dropped, so a worker that is slow to stop cannot leave a client without one.
   */
  endAll(error: ErrorBody): void {
    const entries = [...this.queue.splice(0), ...this.running.values()];
    this.running.clear();
    for (const entry of entries) {
      entry.ended = true;
      entry.worker?.cancel(entry.job.id);
      entry.sink({ kind: 'error', error });
    }
  }

  /** Resolves when nothing is queued or running, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length + this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.queue.length + this.running.size === 0;
  }

  private start(entry: Entry, worker: ModelWorker): void {
    const { job, sink } = entry;
    entry.worker = worker;
    this.running.set(job.id, entry);
    sink({ kind: 'started', queueMs: performance.now() - entry.enqueuedAt });
    worker.run(job, (outcome) => {
      if (entry.ended) return;
      if (isFinal(outcome)) {
        this.running.delete(job.id);
        queueMicrotask(() => this.dispatch());
      }
      sink(outcome);
    });
  }

  private dispatch(): void {
    if (!this.pool.alive) {
      for (const entry of this.queue.splice(0)) entry.sink({ kind: 'error', error: new ServerError('internal', NO_WORKER).toJSON() });
      return;
    }
    for (;;) {
      if (this.queue.length === 0) return;
      const worker = this.pool.idleWorker();
      if (!worker) return;
      this.start(this.queue.shift()!, worker);
    }
  }
}
