/**
 * Messages between the server's main thread and a generation worker (node:worker_threads). The
 * worker owns TF.js and the model; the main thread owns sockets, HTTP, sessions and the queue, and
 * never touches a tensor.
 */
import type { ResolvedParams } from '../params.js';
import type { ModelInfo } from '../model-info.js';
import type { ServerErrorCode } from '../errors.js';

/** What a worker is started with (workerData). */
export interface WorkerStartData {
  modelDir: string;
  /** TF.js backend override (tensorflow-gpu | tensorflow | native | wasm | cpu); default: auto. */
  backend?: string;
}

/** One generation: the conversation so far (alternating turns, the user's last) and decoding params. */
export interface GenerateRequest {
  type: 'generate';
  id: string;
  turns: string[];
  params: ResolvedParams;
  /** Post `delta` messages as text is produced. */
  stream: boolean;
}

export type ToWorker =
  | GenerateRequest
  | { type: 'cancel'; id: string }
  | { type: 'stats'; id: string };

/** Generation's finish reasons, as the server reports them. */
export type ServedFinishReason = 'stop' | 'length' | 'cancelled';

export interface GenerationOutcome {
  text: string;
  finishReason: ServedFinishReason;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** Worker-side timings of the generation itself (the queue wait is added by the main thread). */
  timings: { ttftMs: number | null; totalMs: number };
  /** Context turns that fitted the prompt (older ones were dropped from the front). */
  promptTurns: number;
  /** Set when cancelled: tokens produced after the cancel message reached the worker. */
  tokensAfterCancel?: number;
}

export interface WorkerStats {
  numTensors: number;
  numBytes: number;
  /** numTensors right after the model was loaded. */
  baselineTensors: number;
  generations: number;
}

export type FromWorker =
  | { type: 'ready'; info: ModelInfo; stats: WorkerStats }
  | { type: 'load-error'; message: string }
  | { type: 'delta'; id: string; text: string }
  | { type: 'done'; id: string; outcome: GenerationOutcome }
  | { type: 'error'; id: string; code: ServerErrorCode; message: string }
  | { type: 'stats'; id: string; stats: WorkerStats };
