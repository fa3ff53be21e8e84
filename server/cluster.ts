/**
 * `demi serve --processes N`: N server processes on one port (node:cluster). The primary owns the
 * port and hands each connection to a worker process with `@socket.io/sticky`, which keeps a
 * socket.io session (its long-polling requests and its upgrade) on the process that created it;
 * `@socket.io/cluster-adapter` carries broadcasts and rooms between the processes. Each worker runs
 * `startServer` as a single process would (its own generation threads, queue, sessions, /health and
 * /metrics) but takes its connections from the primary instead of listening.
 *
 * With --redis every worker process links through Redis instead (`redis.ts`), with the processes
 * of other hosts as with its siblings; sticky routing stays, as the long-polling requests of one
 * client must still reach the process that holds its engine.io session.
 *
 * The primary never loads the model and never parses HTTP. On close() it stops accepting, tells
 * every worker to shut down gracefully (each answers all its accepted requests, as one process
 * does) and resolves with 0 once all of them exited 0.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createAdapter, setupPrimary as setupAdapterPrimary } from '@socket.io/cluster-adapter';
import { setupMaster as setupStickyPrimary, setupWorker as setupStickyWorker } from '@socket.io/sticky';
import { log } from '../core/index.js';
import { ServerOptionsError } from './errors.js';
import type { ModelInfo } from './model-info.js';
import type { ServerOptionsInput } from './options.js';
import { checkRedis } from './redis.js';
import { startServer, type RunningServer } from './server.js';

/** The port the primary bound (with --port 0 only it knows), given to each worker it forks. */
const PORT_ENV = 'DEMI_CLUSTER_PORT';

type ClusterMessage =
  | { type: 'demi:ready'; info: Pick<ModelInfo, 'id' | 'parameters'> & { backend: string } }
  | { type: 'demi:failed'; message: string }
  | { type: 'demi:shutdown' }
  | { type: 'demi:closed' }
  | { type: 'demi:bind'; id: string }
  | { type: 'demi:bound'; id: string };

const isClusterMessage = (m: unknown): m is ClusterMessage =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('demi:');

export interface ProcessReady {
  pid: number;
  id: string;
  parameters: number;
  backend: string;
}

export interface RunningCluster {
  url: string;
  port: number;
  processes: number;
  /** Resolves once every worker process has loaded the model; rejects when one cannot. */
  ready: Promise<ProcessReady[]>;
  /** Graceful shutdown of every process; resolves with the exit status the primary should use. */
  close(): Promise<number>;
  /** Ends every worker at once (a second Ctrl-C). */
  kill(): void;
}

export const isClusterWorker = () => cluster.isWorker;

/**
 * The primary: binds host:port, forks `processes` workers running the same command line (they see
 * `cluster.isWorker` and call `runClusterWorker`).
 */
export async function startClusterPrimary(options: { processes: number; host: string; port: number; redis?: string }): Promise<RunningCluster> {
  // once, before any process is forked: one clear error rather than one from each of N processes
  if (options.redis) await checkRedis(options.redis);
  // A plain TCP server rather than an http.Server: the primary only routes connections, and an
  // http.Server's close() would count those it forwards as idle HTTP connections and cut them,
  // dropping the answers a worker still owes during a graceful shutdown.
  const server: NetServer = createServer();
  setupStickyPrimary(server as unknown as HttpServer, {
    // least-connection counts only socket.io sessions, so it would send every plain HTTP request
    // (the OpenAI route) to the same process
    loadBalancingMethod: 'round-robin',
  });
  if (!options.redis) setupAdapterPrimary();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ServerOptionsError(`cannot listen on ${options.host}:${options.port}: ${err.message}`)));
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    // a client that went away while a worker's answer was on its way over IPC makes the primary's
    // write fail (EPIPE); unhandled, that error would end the primary and every process with it
    socket.on('error', () => socket.destroy());
  });

  // sticky forwards request bytes as Buffers over IPC: the advanced serialization keeps them Buffers
  cluster.setupPrimary({ serialization: 'advanced' });
  let stopping = false;
  const readyWorkers = new Map<number, ProcessReady>();
  let settleReady: { resolve(r: ProcessReady[]): void; reject(e: Error): void };
  const ready = new Promise<ProcessReady[]>((resolve, reject) => { settleReady = { resolve, reject }; });
  ready.catch(() => undefined);
  let allReady = false;
  const fork = (): Worker => {
    const worker = cluster.fork({ [PORT_ENV]: String(port) });
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'demi:ready') {
        readyWorkers.set(worker.id, { pid: worker.process.pid!, ...message.info });
        if (!allReady && readyWorkers.size === options.processes) {
          allReady = true;
          settleReady.resolve([...readyWorkers.values()]);
        }
      } else if (message.type === 'demi:bind') {
        // sticky's own binding message came before this one on the same channel: it is recorded
        worker.send({ type: 'demi:bound', id: message.id } satisfies ClusterMessage);
      } else if (message.type === 'demi:failed') {
        settleReady.reject(new Error(message.message));
      }
    });
    worker.on('exit', (code, signal) => {
      readyWorkers.delete(worker.id);
      if (stopping) return;
      if (!allReady) {
        settleReady.reject(new Error(`server process ${worker.process.pid} exited (${signal ?? code}) before the model was loaded`));
        return;
      }
      // one crashed process should not take the service down with it: a new one takes its place
      log.error({ pid: worker.process.pid, code, signal }, 'a server process exited; starting another');
      fork();
    });
    return worker;
  };
  for (let i = 0; i < options.processes; i++) fork();

  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  let closing: Promise<number> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopping = true;
      server.close();
      const exits = workers().map((worker) => new Promise<number>((resolve) => {
        if (worker.process.exitCode !== null) {
          resolve(worker.process.exitCode);
          return;
        }
        worker.once('exit', (code) => resolve(code ?? 1));
        if (worker.isConnected()) worker.send({ type: 'demi:shutdown' } satisfies ClusterMessage);
        else worker.process.kill('SIGTERM');
      }));
      const codes = await Promise.all(exits);
      // a worker that died mid-answer leaves the client's connection with the primary: end it
      for (const socket of connections) socket.destroy();
      return codes.every((c) => c === 0) ? 0 : 1;
    })();
    return closing;
  };
  const kill = () => {
    stopping = true;
    for (const worker of workers()) worker.process.kill('SIGKILL');
  };
  return { url, port, processes: options.processes, ready, close, kill };
}

interface IdGenerator {
  generateId(req: unknown): string | PromiseLike<string>;
}

/**
 * sticky tells the primary which process owns a new engine.io session only once the session exists,
 * while the handshake answer goes to the client straight away: on loopback the client's next
 * request (with the sid) can reach the primary first and be routed to another process, which
 * answers 400 "Session ID unknown". So the session id is bound (sticky's own message) and
 * acknowledged by the primary before engine.io uses it for the handshake.
 */
function bindBeforeHandshake(engine: IdGenerator): void {
  const waiting = new Map<string, () => void>();
  process.on('message', (message: unknown) => {
    if (isClusterMessage(message) && message.type === 'demi:bound') waiting.get(message.id)?.();
  });
  const generate = engine.generateId.bind(engine);
  engine.generateId = async (req: unknown) => {
    const id = await generate(req);
    if (!process.connected) return id;
    await new Promise<void>((resolve) => {
      // never hold a handshake for long: without the answer the race is only back to sticky's own odds
      const timer = setTimeout(done, 2000);
      function done() {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      }
      waiting.set(id, done);
      process.send!({ type: 'sticky:connection', data: id });
      process.send!({ type: 'demi:bind', id } satisfies ClusterMessage);
    });
    return id;
  };
}

/**
 * A worker process: today's server on the connections the primary hands over. It shuts down
 * gracefully on the primary's request, on SIGTERM / SIGINT (Ctrl-C reaches the whole process group)
 * or when the primary goes away, then exits 0; the primary alone decides on a forced exit.
 */
export async function runClusterWorker(input: ServerOptionsInput): Promise<RunningServer> {
  const port = Number(process.env[PORT_ENV]);
  const send = (message: ClusterMessage, then?: () => void) => {
    if (process.connected) process.send!(message, undefined, undefined, () => then?.());
    else then?.();
  };
  let server: RunningServer;
  try {
    server = await startServer({ ...input, port }, {
      attach: (io) => {
        // with --redis, startServer already gave socket.io the Redis adapter, which links these
        // processes too
        if (!input.redis) io.adapter(createAdapter());
        setupStickyWorker(io);
        bindBeforeHandshake(io.engine as unknown as IdGenerator);
      },
    });
  } catch (err) {
    send({ type: 'demi:failed', message: (err as Error).message }, () => process.exit(1));
    throw err;
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      // the last answers of the connections the primary still holds go over IPC before this message
      () => send({ type: 'demi:closed' }, () => process.exit(0)),
      (err: Error) => {
        log.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('message', (message: unknown) => {
    if (isClusterMessage(message) && message.type === 'demi:shutdown') stop();
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  server.ready.then(
    (info) => send({ type: 'demi:ready', info: { id: info.id, parameters: info.parameters, backend: info.backend.name } }),
    (err: Error) => {
      send({ type: 'demi:failed', message: err.message });
      stop();
    },
  );
  return server;
}
