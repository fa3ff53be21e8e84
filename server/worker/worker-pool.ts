/**
 * The generation workers: N threads, each with its own copy of the model. Readiness is the first
 * worker's model load (its failure is the server's load failure); a worker that dies later is
 * replaced, and `onChange` tells the scheduler when a worker becomes free.
 */
import { availableParallelism } from 'node:os';
import { log } from '../../core/index.js';
import type { ModelInfo } from '../model-info.js';
import { ModelWorker } from './model-worker.js';
import type { WorkerStartData, WorkerStats } from './protocol.js';

/**
 * The engine's thread count for each of `workers` generation threads in each of `processes` server
 * processes on one machine: OpenBLAS's pool and the row-kernel team are per process, so workers that each
 * ask for every core queue on each other (measured, 2 cores, 2 workers: 17-20 requests/s at 2 threads,
 * 53-64 at 1), and processes that each take every core oversubscribe them.
 */
export function threadsPerWorker(workers: number, cores = availableParallelism(), processes = 1): number {
  return Math.max(1, Math.floor(cores / (Math.max(1, workers) * Math.max(1, processes))));
}

export class WorkerPool {
  readonly workers: ModelWorker[] = [];
  /** Resolves with the model's facts once every worker has loaded it. */
  readonly ready: Promise<ModelInfo>;
  info: ModelInfo | undefined;
  loadError: Error | undefined;
  /** A worker became ready, or failed to load (the scheduler may dispatch, or fail what waits). */
  onChange: () => void = () => undefined;
  private stopped = false;
  /** The workers' environment: DEMI_THREADS split between them (and the host's processes) unless the user set it. */
  private readonly env: NodeJS.ProcessEnv;

  /** `processes`: server processes sharing this machine's cores (`demi serve --processes`). */
  constructor(private readonly start: WorkerStartData, size: number, processes = 1) {
    const split = size * processes > 1 && !process.env.DEMI_THREADS;
    this.env = split ? { ...process.env, DEMI_THREADS: String(threadsPerWorker(size, availableParallelism(), processes)) } : process.env;
    for (let i = 0; i < size; i++) this.workers.push(this.spawn(i));
    this.ready = Promise.all(this.workers.map((w) => w.ready)).then(
      (infos) => {
        this.info = infos[0];
        return infos[0];
      },
      (err: Error) => {
        this.loadError = err;
        throw err;
      },
    );
    this.ready.catch(() => undefined);
  }

  get loaded(): boolean {
    return this.info !== undefined;
  }

  idleWorker(): ModelWorker | undefined {
    return this.workers.find((w) => w.idle);
  }

  get busyCount(): number {
    return this.workers.filter((w) => w.busyWith !== undefined).length;
  }

  async stats(timeoutMs?: number): Promise<(WorkerStats | null)[]> {
    return Promise.all(this.workers.map((w) => w.stats(timeoutMs)));
  }

  async terminate(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Some worker is loaded or loading (false once every worker died and could not be replaced). */
  get alive(): boolean {
    return this.workers.some((w) => w.state === 'ready' || w.state === 'loading');
  }

  private spawn(index: number, replacement = false): ModelWorker {
    const worker = new ModelWorker(index, this.start, this.env);
    worker.ready.then(() => this.onChange(), (err: Error) => {
      if (replacement) {
        log.error({ worker: index, err: err.message }, 'the replacement generation worker could not load the model');
        this.loadError = err;
      }
      this.onChange();
    });
    worker.onCrash = () => {
      if (this.stopped) return;
      log.warn({ worker: index }, 'starting a replacement generation worker');
      this.workers[index] = this.spawn(index, true);
    };
    return worker;
  }
}
