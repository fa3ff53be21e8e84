/**
 * One chat request from either front end (socket.io or the OpenAI route) to the scheduler, with the
 * bookkeeping both share: request ids, metrics (requests, tokens, time to first token, errors) and
 * the timings reported to clients.
 */
import { randomUUID } from 'node:crypto';
import { ServerError } from './errors.js';
import type { ResolvedParams } from './params.js';
import type { Scheduler } from './scheduler.js';
import type { ChatRoute, ServerMetrics } from './server-metrics.js';
import type { GenerationOutcome } from './worker/protocol.js';

export interface ChatTimings {
  /** Waiting for a worker. */
  queueMs: number;
  /** From acceptance to the first token (null: none was generated). */
  ttftMs: number | null;
  /** From acceptance to the end. */
  totalMs: number;
  /** Generated tokens per second of generation time. */
  tokensPerSecond: number | null;
}

export interface ChatResult extends GenerationOutcome {
  chatTimings: ChatTimings;
}

export interface ChatHandlers {
  onDelta(text: string): void;
  onDone(result: ChatResult): void;
  onError(error: ServerError): void;
}

export interface ChatRequest {
  route: ChatRoute;
  turns: string[];
  params: ResolvedParams;
  stream: boolean;
  handlers: ChatHandlers;
  /** Prefix of the request id (OpenAI ids start with `chatcmpl-`). */
  idPrefix?: string;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export class ChatService {
  constructor(private readonly scheduler: Scheduler, private readonly metrics: ServerMetrics) {}

  /** Queues the request; throws (overloaded, not_ready, shutting_down) when it cannot be accepted: the caller answers and counts it with rejected(). */
  start(request: ChatRequest): { requestId: string; queuePosition: number } {
    const { route, handlers } = request;
    const requestId = `${request.idPrefix ?? 'req_'}${randomUUID()}`;
    const accepted = performance.now();
    let firstDelta = true;
    let queuePosition: number;
    try {
      queuePosition = this.scheduler.submit({
        id: requestId, turns: request.turns, params: request.params, stream: request.stream,
        handlers: {
          onStart: (queueMs) => this.metrics.queueWait.observe(queueMs / 1000, { route }),
          onDelta: (text) => {
            if (firstDelta) {
              firstDelta = false;
              this.metrics.timeToFirstToken.observe((performance.now() - accepted) / 1000, { route });
            }
            handlers.onDelta(text);
          },
          onDone: (outcome, queueMs) => {
            const totalMs = performance.now() - accepted;
            const ttftMs = outcome.timings.ttftMs === null ? null : queueMs + outcome.timings.ttftMs;
            if (firstDelta && ttftMs !== null) this.metrics.timeToFirstToken.observe(ttftMs / 1000, { route });
            this.metrics.chatRequests.inc({ route, outcome: outcome.finishReason === 'cancelled' ? 'cancelled' : 'ok' });
            this.metrics.promptTokens.inc({ route }, outcome.usage.promptTokens);
            this.metrics.generatedTokens.inc({ route }, outcome.usage.completionTokens);
            this.metrics.requestDuration.observe(totalMs / 1000, { route });
            const generationS = outcome.timings.totalMs / 1000;
            handlers.onDone({
              ...outcome,
              chatTimings: {
                queueMs: round(queueMs), ttftMs: ttftMs === null ? null : round(ttftMs), totalMs: round(totalMs),
                tokensPerSecond: generationS > 0 && outcome.usage.completionTokens > 0 ? round(outcome.usage.completionTokens / generationS) : null,
              },
            });
          },
          onError: (error) => {
            this.metrics.chatRequests.inc({ route, outcome: 'error' });
            this.metrics.errors.inc({ route, code: error.code });
            handlers.onError(error);
          },
        },
      });
    } catch (err) {
      // Counted by the caller (rejected()), which answers the client.
      throw err instanceof ServerError ? err : new ServerError('internal', 'the request could not be queued');
    }
    return { requestId, queuePosition };
  }

  cancel(requestId: string): boolean {
    return this.scheduler.cancel(requestId);
  }

  /** Counts an error answered before a request reached the queue (validation, rate limits). */
  rejected(route: ChatRoute, code: string): void {
    this.metrics.chatRequests.inc({ route, outcome: 'rejected' });
    this.metrics.errors.inc({ route, code });
  }
}
