/**
 * Between the edges (socket.io, the OpenAI route) and the scheduler: the bookkeeping both edges
 * share, kept out of them so that they only translate jobs and outcomes to their wire formats:
 * metrics (requests, tokens, time to first token, errors) and the timings reported to clients.
 */
import { ServerError } from './errors.js';
import { isFinal, type Job, type Sink, type Timings } from './job.js';
import type { Scheduler } from './scheduler.js';
import type { ChatRoute, ServerMetrics } from './metrics.js';

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The worker's generation timings, re-based on the request's acceptance (the queue wait included). */
function requestTimings(generation: Timings, queueMs: number, totalMs: number): Timings {
  return {
    queueMs: round(queueMs),
    ttftMs: generation.ttftMs === null ? null : round(queueMs + generation.ttftMs),
    totalMs: round(totalMs),
    tokensPerSecond: generation.tokensPerSecond === null ? null : round(generation.tokensPerSecond),
  };
}

export class ChatService {
  /** Queued or running requests per client address, over all of its sockets and HTTP requests. */
  private readonly pendingByAddress = new Map<string, number>();

  constructor(private readonly scheduler: Scheduler, private readonly metrics: ServerMetrics, private readonly maxPendingPerAddress: number) {}

  /**
   * Queues the job of the client at `address` and returns its queue position, or throws
   * (overloaded, too_many_pending, not_ready, shutting_down) when it cannot be accepted: the caller
   * answers and counts it with rejected().
   */
  submit(route: ChatRoute, job: Job, sink: Sink, address: string): number {
    this.scheduler.checkOpen();
    const held = this.pendingByAddress.get(address) ?? 0;
    if (held >= this.maxPendingPerAddress) {
      throw new ServerError('too_many_pending',
        `your address already has ${held} replies queued or running (at most ${this.maxPendingPerAddress}, over all its connections): wait for one to finish or cancel it`);
    }
    const accepted = performance.now();
    let firstDelta = true;
    // unset until a worker takes the job: a job cancelled in the queue waited all its life
    let queueMs: number | undefined;
    const release = () => {
      const left = (this.pendingByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.pendingByAddress.set(address, left);
      else this.pendingByAddress.delete(address);
    };
    try {
      const position = this.scheduler.submit(job, (outcome) => {
        // freed before the client hears of it, so that its next request is not refused
        if (isFinal(outcome)) release();
        switch (outcome.kind) {
          case 'started':
            queueMs = outcome.queueMs;
            this.metrics.queueWait.observe(queueMs / 1000, { route });
            break;
          case 'delta':
            if (firstDelta) {
              firstDelta = false;
              this.metrics.timeToFirstToken.observe((performance.now() - accepted) / 1000, { route });
            }
            break;
          case 'done': {
            const totalMs = performance.now() - accepted;
            const waited = queueMs ?? totalMs;
            if (firstDelta && outcome.timings.ttftMs !== null) this.metrics.timeToFirstToken.observe((waited + outcome.timings.ttftMs) / 1000, { route });
            this.metrics.chatRequests.inc({ route, outcome: outcome.finishReason === 'cancelled' ? 'cancelled' : 'ok' });
            this.metrics.promptTokens.inc({ route }, outcome.usage.promptTokens);
            this.metrics.generatedTokens.inc({ route }, outcome.usage.completionTokens);
            this.metrics.requestDuration.observe(totalMs / 1000, { route });
            sink({ ...outcome, timings: requestTimings(outcome.timings, waited, totalMs) });
            return;
          }
          case 'error':
            this.metrics.chatRequests.inc({ route, outcome: 'error' });
            this.metrics.errors.inc({ route, code: outcome.error.code });
            break;
        }
        sink(outcome);
      });
      this.pendingByAddress.set(address, held + 1);
      return position;
    } catch (err) {
      // Counted by the caller (rejected()), which answers the client.
      throw err instanceof ServerError ? err : new ServerError('internal', 'the request could not be queued');
    }
  }

  cancel(jobId: string): boolean {
    return this.scheduler.cancel(jobId);
  }

  /** Counts an error answered before a request reached the queue (validation, rate limits). */
  rejected(route: ChatRoute, code: string): void {
    this.metrics.chatRequests.inc({ route, outcome: 'rejected' });
    this.metrics.errors.inc({ route, code });
  }
}
