/**
 * A Server-Sent Events response: `data: <json>` events, keep-alive comments while nothing else is
 * sent (TGI sends them too), and the OpenAI terminator `data: [DONE]`.
 */
import type { Response } from 'express';

export class SseStream {
  private keepAlive: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly res: Response, keepAliveMs = 15_000) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    this.keepAlive.unref();
    res.on('close', () => clearInterval(this.keepAlive));
  }

  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends `data: [DONE]` and ends the response. */
  done(): void {
    this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    this.res.end();
  }

  private write(text: string): void {
    if (!this.ended && !this.res.writableEnded && !this.res.destroyed) this.res.write(text);
  }
}
