/**
 * Messages between the server's main thread and a generation worker (node:worker_threads). The
 * worker owns TF.js and the model; the main thread owns sockets, HTTP, sessions and the queue, and
 * never touches a tensor.
 */
import type { Job, Outcome } from '../job.js';
import type { ModelInfo } from '../model-info.js';

/** What a worker is started with (workerData). */
export interface WorkerStartData {
  modelDir: string;
  /** TF.js backend override (tensorflow-gpu | tensorflow | native | wasm | cpu); default: auto. */
  backend?: string;
  /** What decodes: TF.js, or onnxruntime-node on the checkpoint's ONNX graph (default 'tfjs'). */
  runtime?: ServeRuntime;
}

/** The runtimes `demi serve --runtime` decodes with. */
export const SERVE_RUNTIMES = ['tfjs', 'onnx'] as const;
export type ServeRuntime = (typeof SERVE_RUNTIMES)[number];

export type ToWorker =
  | { type: 'run'; job: Job }
  | { type: 'cancel'; id: string }
  | { type: 'stats'; id: string };

export interface WorkerStats {
  numTensors: number;
  numBytes: number;
  /** numTensors right after the model was loaded. */
  baselineTensors: number;
  generations: number;
  /** Forward passes onnxruntime ran (`runtime: 'onnx'`; 0 on TF.js): that decoding really goes through it. */
  onnxForwardPasses: number;
}

export type FromWorker =
  | { type: 'ready'; info: ModelInfo; stats: WorkerStats }
  | { type: 'load-error'; message: string }
  | { type: 'outcome'; id: string; outcome: Outcome }
  | { type: 'stats'; id: string; stats: WorkerStats };
