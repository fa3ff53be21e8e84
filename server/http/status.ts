/** What the server says about itself: GET /health (readiness, engine, queue, worker memory) and GET /v1/models. */
import type { Request, Response } from 'express';
import type { Scheduler } from '../scheduler.js';
import type { SessionStore } from '../sessions.js';
import type { WorkerPool } from '../worker/worker-pool.js';
import { ServerError } from '../errors.js';
import type { ModelInfo } from '../model-info.js';
import { sendOpenAiError } from './openai.js';

export interface HealthDeps {
  pool: WorkerPool;
  scheduler: Scheduler;
  sessions: SessionStore;
  shuttingDown: () => boolean;
  startedAt: number;
  /** Limits clients should know (the web client checks message sizes before sending). */
  limits: { maxMessageBytes: number };
  /** With --redis: whether the link is up and how many socket.io servers share it. */
  redis?: () => Promise<{ connected: boolean; servers: number | null }>;
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
    const [stats, redis] = await Promise.all([pool.stats(500), deps.redis?.()]);
    const info = pool.info;
    res.status(deps.shuttingDown() ? 503 : 200).json({
      status: deps.shuttingDown() ? 'shutting_down' : 'ok',
      backend: info.backend,
      runtime: info.runtime,
      model: {
        id: info.id, architecture: info.architecture, parameters: info.parameters, tokenizer: info.tokenizer,
        maxResponseTokens: info.maxResponseTokens, maxTokensLimit: info.maxTokensLimit, demiCritic: info.demiCritic,
        ...(info.license ? { license: info.license } : {}), loadMs: info.loadMs,
      },
      queue: { depth: scheduler.depth, max: scheduler.maxQueue, active: scheduler.active, workers: pool.workers.length },
      limits: deps.limits,
      sessions: deps.sessions.size,
      workers: pool.workers.map((w, i) => ({ index: i, state: w.state, busy: w.busyWith !== undefined, memory: stats[i] })),
      // with --processes N each process answers for itself: the pid tells which one did
      pid: process.pid,
      // Redis lost is no 503: this instance still serves its own clients
      ...(redis ? { redis } : {}),
      uptimeS,
    });
  };
}

// ---- models

/** GET /v1/models and /v1/models/:id (OpenAI's list of model objects). */
const modelObject = (info: ModelInfo) => ({ id: info.id, object: 'model', created: Math.floor(info.loadedAt / 1000), owned_by: 'demi' });

export function modelsHandler(modelInfo: () => ModelInfo | undefined) {
  return (req: Request, res: Response): void => {
    const info = modelInfo();
    if (!info) {
      sendOpenAiError(res, new ServerError('not_ready', 'the model is still loading: retry in a few seconds'));
      return;
    }
    const id = req.params.id as string | undefined;
    if (id === undefined) {
      res.json({ object: 'list', data: [modelObject(info)] });
    } else if (id === info.id) {
      res.json(modelObject(info));
    } else {
      sendOpenAiError(res, new ServerError('not_found', `model '${id.slice(0, 100)}' is not served here; this server serves '${info.id}'`, 'model'));
    }
  };
}
