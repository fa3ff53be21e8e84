/**
 * The main thread's handle on one generation worker: starts the thread, waits for the model,
 * runs one generation at a time on it and routes the worker's messages back to that request.
 */
import { Worker } from 'node:worker_threads';
import { log } from '../../core/index.js';
import { ServerError } from '../errors.js';
import type { ModelInfo } from '../model-info.js';
import { isFinal, type Job, type Sink } from '../job.js';
import type { FromWorker, ToWorker, WorkerStartData, WorkerStats } from './protocol.js';

export type WorkerState = 'loading' | 'ready' | 'failed' | 'stopped';

const ENTRY = new URL('./entry.mjs', import.meta.url);

export class ModelWorker {
  state: WorkerState = 'loading';
  info: ModelInfo | undefined;
  /** Stats as of the last report (refreshed by `stats()`). */
  lastStats: WorkerStats | undefined;
  /** Resolves when the model is loaded; rejects with the load error. */
  readonly ready: Promise<ModelInfo>;
  /** Called once when the thread dies unexpectedly (not on terminate). */
  onCrash: ((error: Error) => void) | undefined;

  private readonly worker: Worker;
  private current: { id: string; sink: Sink } | undefined;
  private readonly statsWaiters = new Map<string, (stats: WorkerStats) => void>();
  private nextStatsId = 0;
  private terminating = false;

  constructor(readonly index: number, start: WorkerStartData, env: NodeJS.ProcessEnv = process.env) {
    this.worker = new Worker(ENTRY, { workerData: start, name: `demi-generation-${index}`, env });
    let resolveReady!: (info: ModelInfo) => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise<ModelInfo>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => undefined); // observed by the pool; never an unhandled rejection
    this.worker.on('message', (message: FromWorker) => this.receive(message, resolveReady, rejectReady));
    this.worker.on('error', (err) => this.died(err, rejectReady));
    this.worker.on('exit', (code) => this.died(new Error(`generation worker ${index} exited with code ${code}`), rejectReady));
  }

  /** Idle and loaded: can take a generation. */
  get idle(): boolean {
    return this.state === 'ready' && !this.current;
  }

  get busyWith(): string | undefined {
    return this.current?.id;
  }

  run(job: Job, sink: Sink): void {
    if (!this.idle) throw new Error(`generation worker ${this.index} is not idle`);
    this.current = { id: job.id, sink };
    this.post({ type: 'run', job });
  }

  cancel(id: string): void {
    if (this.current?.id === id) this.post({ type: 'cancel', id });
  }

  /** The worker's tensor counts; null when it does not answer within `timeoutMs` (it answers between tokens). */
  stats(timeoutMs = 1000): Promise<WorkerStats | null> {
    if (this.state !== 'ready') return Promise.resolve(this.lastStats ?? null);
    const id = String(this.nextStatsId++);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.statsWaiters.delete(id);
        resolve(null);
      }, timeoutMs);
      this.statsWaiters.set(id, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.post({ type: 'stats', id });
    });
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    this.state = 'stopped';
    await this.worker.terminate();
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker, resolveReady: (info: ModelInfo) => void, rejectReady: (error: Error) => void): void {
    switch (message.type) {
      case 'ready':
        this.state = 'ready';
        this.info = message.info;
        this.lastStats = message.stats;
        resolveReady(message.info);
        break;
      case 'load-error':
        this.state = 'failed';
        rejectReady(new Error(message.message));
        break;
      case 'stats':
        this.lastStats = message.stats;
        this.statsWaiters.get(message.id)?.(message.stats);
        this.statsWaiters.delete(message.id);
        break;
      case 'outcome': {
        // a late message of a job this handle already gave up on (the worker died) is dropped
        const current = this.current;
        if (current?.id !== message.id) break;
        if (isFinal(message.outcome)) this.current = undefined;
        current.sink(message.outcome);
        break;
      }
    }
  }

  private died(error: Error, rejectReady: (error: Error) => void): void {
    if (this.terminating || this.state === 'stopped' || this.state === 'failed') {
      if (this.state !== 'stopped') this.state = 'stopped';
      return;
    }
    const wasLoading = this.state === 'loading';
    this.state = 'failed';
    log.error({ worker: this.index, err: error.message }, 'generation worker died');
    rejectReady(error);
    const current = this.current;
    this.current = undefined;
    current?.sink({ kind: 'error', error: new ServerError('internal', 'the generation worker stopped unexpectedly; please retry (a new worker is being started)').toJSON() });
    for (const waiter of this.statsWaiters.values()) waiter(this.lastStats ?? { numTensors: -1, numBytes: -1, baselineTensors: -1, generations: -1, onnxForwardPasses: -1 });
    this.statsWaiters.clear();
    if (!wasLoading) this.onCrash?.(error);
  }
}
