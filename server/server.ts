/**
 * `startServer`: express + socket.io on one HTTP server, the generation workers behind a bounded
 * queue. It listens at once (so /health can say 503 while the model loads); `ready` resolves when
 * the model is loaded. `close()` shuts down gracefully: new requests are refused, running replies
 * get `shutdownGraceMs` to finish, then the rest are cancelled and the workers stopped.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import { describeIssues, log } from '../core/index.js';
import { ServerOptionsError } from './errors.js';
import { createApp } from './http/app.js';
import type { ModelInfo } from './model-info.js';
import { ServerOptionsSchema, type ServerOptions, type ServerOptionsInput } from './options.js';
import { Scheduler } from './scheduler.js';
import { ServerMetrics } from './metrics.js';
import { SessionStore } from './sessions.js';
import { ChatService } from './chat-service.js';
import { attachChatSocket } from './socket/chat-socket.js';
import { WorkerPool } from './worker/worker-pool.js';

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  options: ServerOptions;
  /** Resolves with the model's facts once loaded; rejects when the model cannot be loaded. */
  ready: Promise<ModelInfo>;
  metrics: ServerMetrics;
  /** The generation workers (diagnostics and tests). */
  workers: WorkerPool;
  close(): Promise<void>;
}

function checkModelDir(dir: string): void {
  if (!existsSync(dir)) throw new ServerOptionsError(`no model at ${dir}: pass --model with a checkpoint directory (e.g. runs/dailydialog/best from demi train dialogue)`);
  if (!existsSync(join(dir, 'config.json'))) {
    throw new ServerOptionsError(`${dir} is not a model checkpoint (no config.json): pass the checkpoint directory itself, e.g. <run>/best`);
  }
}

/** Allows browsers only from this server's own origin (no cross-site WebSocket hijacking); other clients send no Origin. */
function sameOrigin(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(String(origin)).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function startServer(input: ServerOptionsInput): Promise<RunningServer> {
  const parsed = ServerOptionsSchema.safeParse(input);
  if (!parsed.success) throw new ServerOptionsError(`invalid server options: ${describeIssues(parsed.error.issues)}`);
  const options = parsed.data;
  checkModelDir(options.modelDir);

  const startedAt = Date.now();
  const metrics = new ServerMetrics();
  const pool = new WorkerPool({ modelDir: options.modelDir, backend: options.backend }, options.workers);
  const scheduler = new Scheduler(pool, options.maxQueue);
  const sessions = new SessionStore(options.sessions);
  const chat = new ChatService(scheduler, metrics);
  const modelInfo = () => pool.info;
  let shuttingDown = false;

  metrics.queueDepth.collect(() => scheduler.depth);
  metrics.activeGenerations.collect(() => scheduler.active);
  metrics.sessions.collect(() => sessions.size);
  metrics.modelLoaded.collect(() => (pool.loaded ? 1 : 0));

  const limits = { maxMessageBytes: options.maxMessageBytes };
  const app = createApp(
    { limits, maxBodyBytes: options.maxBodyBytes, httpRate: options.httpRate },
    { pool, scheduler, sessions, chat, metrics, modelInfo, startedAt, shuttingDown: () => shuttingDown },
  );
  const http: HttpServer = createServer(app);
  const io = new SocketServer(http, {
    maxHttpBufferSize: options.maxSocketPacketBytes,
    serveClient: true,
    allowRequest: (req, callback) => callback(sameOrigin(req) ? null : 'cross-origin connections are not allowed', sameOrigin(req)),
  });
  metrics.socketConnections.collect(() => io.of('/').sockets.size);
  attachChatSocket(io, {
    limits, socketRate: options.socketRate, connectionRate: options.connectionRate, maxPendingPerSocket: options.maxPendingPerSocket,
  }, { chat, sessions, modelInfo });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      void pool.terminate();
      reject(new ServerOptionsError(`cannot listen on ${options.host}:${options.port}: ${err.message}`));
    };
    http.once('error', onError);
    http.listen(options.port, options.host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  log.info({ url, model: options.modelDir, workers: options.workers }, 'listening; loading the model');

  const ready = pool.ready.then((info) => {
    log.info({ model: info.id, backend: info.backend.name, parameters: info.parameters, loadMs: info.loadMs }, 'model loaded');
    return info;
  });
  ready.catch((err: Error) => log.error({ err: err.message }, 'the model failed to load'));

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      scheduler.close('the server is shutting down: retry against another instance or later');
      http.closeIdleConnections();
      const drained = await scheduler.drained(options.shutdownGraceMs);
      if (!drained) {
        log.warn('cancelling replies still running after the shutdown grace period');
        scheduler.cancelAll();
        await scheduler.drained(2000);
      }
      await io.close();
      http.closeAllConnections();
      await pool.terminate();
    })();
    return closing;
  };

  return { url, host: options.host, port, options, ready, metrics, workers: pool, close };
}

