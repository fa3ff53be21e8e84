/**
 * GET /health: 503 while the model loads (or failed to load, or the server is shutting down), then
 * 200 with the backend, the model's facts, the queue and each worker's tensor counts (so a test can
 * check that `tf.memory().numTensors` returns to its baseline).
 */
import type { Request, Response } from 'express';
import type { Scheduler } from '../scheduler.js';
import type { SessionStore } from '../sessions.js';
import type { WorkerPool } from '../worker/worker-pool.js';

export interface HealthDeps {
  pool: WorkerPool;
  scheduler: Scheduler;
  sessions: SessionStore;
  shuttingDown: () => boolean;
  startedAt: number;
  /** Limits clients should know (the web client checks message sizes before sending). */
  limits: { maxMessageBytes: number };
}

export function healthHandler(deps: HealthDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const { pool, scheduler } = deps;
    res.setHeader('Cache-Control', 'no-store');
    const uptimeS = Math.round((Date.now() - deps.startedAt) / 1000);
    if (pool.loadError) {
      res.status(503).json({ status: 'error', error: `the model failed to load: ${pool.loadError.message}`, uptimeS });
      return;
    }
    if (!pool.info) {
      res.status(503).json({ status: 'loading', uptimeS });
      return;
    }
    const stats = await pool.stats(500);
    const info = pool.info;
    res.status(deps.shuttingDown() ? 503 : 200).json({
      status: deps.shuttingDown() ? 'shutting_down' : 'ok',
      backend: info.backend,
      model: {
        id: info.id, architecture: info.architecture, parameters: info.parameters, tokenizer: info.tokenizer,
        maxResponseTokens: info.maxResponseTokens, maxTokensLimit: info.maxTokensLimit, demiCritic: info.demiCritic,
        ...(info.license ? { license: info.license } : {}), loadMs: info.loadMs,
      },
      queue: { depth: scheduler.depth, max: scheduler.maxQueue, active: scheduler.active, workers: pool.workers.length },
      limits: deps.limits,
      sessions: deps.sessions.size,
      workers: pool.workers.map((w, i) => ({ index: i, state: w.state, busy: w.busyWith !== undefined, memory: stats[i] })),
      uptimeS,
    });
  };
}
