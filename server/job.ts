/**
 * The one request envelope of the server, after llama.cpp's server (a task in, results out of one
 * queue): the edge (socket or HTTP handler) builds a `Job` once; everything the job produces comes
 * back as `Outcome`s through one `Sink`, the same values through ChatService, the Scheduler, the
 * worker's handle and the generation worker thread. Both are plain data because they cross
 * postMessage as they are.
 */
import type { ErrorBody } from './errors.js';
import type { ResolvedParams } from './params.js';

export interface Job {
  /** Chosen at the edge: clients see it (`req_…` on the socket, `chatcmpl-…` on the OpenAI route). */
  id: string;
  /** The conversation so far, alternating turns, the user's last. */
  turns: string[];
  params: ResolvedParams;
  /** Whether `delta` outcomes are wanted; the `done` outcome has the whole text either way. */
  stream: boolean;
}

/** Generation's own reasons ('eos' included) collapse to OpenAI's; 'cancelled' is ours. */
export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * Milliseconds, as clients are told them. The generation worker can only time the generation (its
 * queueMs is 0); ChatService re-bases them on the request's acceptance before an edge sees them.
 */
export interface Timings {
  queueMs: number;
  /** To the first token (null: none was generated). */
  ttftMs: number | null;
  totalMs: number;
  /** Generated tokens per second of generation, not of waiting. */
  tokensPerSecond: number | null;
}

export interface Done {
  kind: 'done';
  text: string;
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
  /** Context turns that fitted the prompt (older ones were dropped from the front). */
  promptTurns: number;
  /** Set when cancelled: tokens produced after the cancel reached the worker (cancellation latency). */
  tokensAfterCancel?: number;
}

/** Every accepted job ends with exactly one `done` or `error`; `started` and `delta` come before. */
export type Outcome =
  | { kind: 'started'; queueMs: number }
  | { kind: 'delta'; text: string }
  | Done
  | { kind: 'error'; error: ErrorBody };

export type Sink = (outcome: Outcome) => void;

export const isFinal = (outcome: Outcome): outcome is Done | Extract<Outcome, { kind: 'error' }> =>
  outcome.kind === 'done' || outcome.kind === 'error';

/** A job cancelled before it produced anything (still in the scheduler's queue, or the worker's). */
export function cancelledUnstarted(): Done {
  return {
    kind: 'done', text: '', finishReason: 'cancelled', usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    timings: { queueMs: 0, ttftMs: null, totalMs: 0, tokensPerSecond: null }, promptTurns: 0, tokensAfterCancel: 0,
  };
}
