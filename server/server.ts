/**
 * `startServer`: express + socket.io on one HTTP server, the generation workers behind a bounded
 * queue. It listens at once (so /health can say 503 while the model loads); `ready` resolves when
 * the model is loaded. `close()` shuts down gracefully and answers every client: new requests are
 * refused (503 / `shutting_down`), queued ones at once, running replies get `shutdownGraceMs` to
 * finish and the rest are then ended with a `shutting_down` error; once those answers are written
 * the listener, the sockets and the workers stop.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { Response } from 'express';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import { describeIssues, log } from '../core/index.js';
import { AccessPolicy, exposureWarning } from './access.js';
import { ServerError, ServerOptionsError } from './errors.js';
import { createApp } from './http/app.js';
import type { ModelInfo } from './model-info.js';
import { ServerOptionsSchema, type ServerOptions, type ServerOptionsInput } from './options.js';
import { Scheduler } from './scheduler.js';
import { ServerMetrics } from './metrics.js';
import { serverRerank } from './params.js';
import { SessionStore } from './sessions.js';
import { connectRedis } from './redis.js';
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
  if (existsSync(join(dir, 'onnx')) && !existsSync(join(dir, 'model.safetensors'))) {
    // it has no DEMI critic (rerank) and no weights TF.js can load; --runtime onnx builds the graph itself
    throw new ServerOptionsError(`${dir} is an ONNX export (demi export --format onnx), not a checkpoint: serve the checkpoint it was exported from; `
      + 'with --runtime onnx the server builds the same ONNX graph from it at start-up');
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * How a server process receives its connections when it does not listen itself: a cluster worker
 * (`cluster.ts`) is handed them by the primary, which owns the port; `attach` wires socket.io for that.
 */
export interface EmbeddedListener {
  attach(io: SocketServer): void;
}

export async function startServer(input: ServerOptionsInput, embedded?: EmbeddedListener): Promise<RunningServer> {
  const parsed = ServerOptionsSchema.safeParse(input);
  if (!parsed.success) throw new ServerOptionsError(`invalid server options: ${describeIssues(parsed.error.issues)}`);
  const options = parsed.data;
  checkModelDir(options.modelDir);
  // before the model loads: an instance that cannot join its cluster should say so at once
  const redis = options.redis ? await connectRedis(options.redis) : undefined;

  const startedAt = Date.now();
  const metrics = new ServerMetrics();
  const pool = new WorkerPool({ modelDir: options.modelDir, backend: options.backend, runtime: options.runtime }, options.workers, options.processesOnHost);
  const scheduler = new Scheduler(pool, options.maxQueue);
  const sessions = new SessionStore(options.sessions);
  const chat = new ChatService(scheduler, metrics, options.maxPendingPerIp);
  const access = new AccessPolicy(options);
  const inFlight = new Set<Response>();
  const modelInfo = () => pool.info;
  // the server count is the adapter's: every instance's processes subscribed to the same Redis
  const cluster = redis && (async () => ({ connected: redis.connected(), servers: await redis.servers(() => io.of('/').adapter.serverCount()) }));
  const defaultRerank = () => (pool.info ? serverRerank(options.rerank, pool.info) : options.rerank);
  let shuttingDown = false;

  metrics.queueDepth.collect(() => scheduler.depth);
  metrics.activeGenerations.collect(() => scheduler.active);
  metrics.sessions.collect(() => sessions.size);
  metrics.modelLoaded.collect(() => (pool.loaded ? 1 : 0));

  const limits = { maxMessageBytes: options.maxMessageBytes };
  const app = createApp(
    { limits, maxBodyBytes: options.maxBodyBytes, httpRate: options.httpRate, access },
    { pool, scheduler, sessions, chat, metrics, modelInfo, defaultRerank, startedAt, shuttingDown: () => shuttingDown, inFlight, ...(cluster ? { redis: cluster } : {}) },
  );
  const http: HttpServer = createServer(app);
  const io = new SocketServer(http, {
    maxHttpBufferSize: options.maxSocketPacketBytes,
    serveClient: true,
    ...(redis ? { adapter: redis.adapter } : {}),
    // the same Host / Origin rules as HTTP (no cross-site WebSocket hijacking, no rebound names)
    allowRequest: (req, callback) => {
      const refused = access.refusal(req.headers, true);
      callback(refused?.message ?? null, refused === undefined);
    },
  });
  metrics.socketConnections.collect(() => io.of('/').sockets.size);
  attachChatSocket(io, {
    limits, socketRate: options.socketRate, connectionRate: options.connectionRate, maxPendingPerSocket: options.maxPendingPerSocket,
  }, { chat, sessions, modelInfo, defaultRerank: () => defaultRerank() ?? 0, access, shuttingDown: () => shuttingDown });

  if (embedded) embedded.attach(io);
  else await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      void pool.terminate();
      redis?.close();
      reject(new ServerOptionsError(`cannot listen on ${options.host}:${options.port}: ${err.message}`));
    };
    http.once('error', onError);
    http.listen(options.port, options.host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const port = embedded ? options.port : (http.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  log.info({ url, model: options.modelDir, workers: options.workers, pid: process.pid }, embedded ? 'serving connections handed over by the primary; loading the model' : 'listening; loading the model');
  const warning = exposureWarning(options);
  if (warning) log.warn(warning);

  const ready = pool.ready.then((info) => {
    log.info({ model: info.id, backend: info.backend.name, parameters: info.parameters, loadMs: info.loadMs, rerank: serverRerank(options.rerank, info) }, 'model loaded');
    if (options.rerank !== undefined && options.rerank > 1 && !info.demiCritic) {
      log.warn(`--rerank ${options.rerank} is ignored: this model was trained without a DEMI critic, so replies are sampled once`);
    }
    return info;
  });
  ready.catch((err: Error) => log.error({ err: err.message }, 'the model failed to load'));

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      scheduler.close('the server is shutting down: retry against another instance or in a few seconds',
        'the server is shutting down before this request\'s turn came: retry against another instance or in a few seconds');
      http.closeIdleConnections();
      if (!(await scheduler.drained(options.shutdownGraceMs))) {
        log.warn('ending the replies still running after the shutdown grace period');
        scheduler.endAll(new ServerError('shutting_down',
          `the server shut down before this reply was finished (it waits ${options.shutdownGraceMs} ms for running replies): send it again to another instance or in a few seconds`).toJSON());
      }
      // the last answers are written before the connections that carry them are closed
      await until(() => inFlight.size === 0, 2000);
      await io.close();
      redis?.close();
      http.closeAllConnections();
      await pool.terminate();
    })();
    return closing;
  };

  return { url, host: options.host, port, options, ready, metrics, workers: pool, close };
}

