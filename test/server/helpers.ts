/**
 * Helpers of the server tests: a server on 127.0.0.1 with an ephemeral port (never another
 * address), socket.io clients, and bounded waits (every wait has a deadline).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { startServer, type RunningServer, type ServerOptionsInput } from '../../server/index.js';
import { testModelDir } from './model-fixture.js';

export const HOST = '127.0.0.1';

/**
 * The server tests check plain sampling (streaming word by word, cancellation within a token), so
 * their servers do not rerank by default; `rerank: undefined` gives the server's own default.
 */
export async function startTestServer(options: Partial<ServerOptionsInput> = {}, waitReady = true): Promise<RunningServer> {
  const server = await startServer({ modelDir: await testModelDir(), shutdownGraceMs: 1000, rerank: 0, ...options, host: HOST, port: 0 });
  if (waitReady) await server.ready;
  return server;
}

/**
 * A loopback port free a moment ago, for a process the test starts itself (a server's own port 0
 * would not tell the test where a child process, or a cluster primary, listens).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every few ms until it holds; fails after `ms` (the loop never outlives its deadline). */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(2);
  }
}

export async function client(server: RunningServer, options: Record<string, unknown> = {}): Promise<Socket> {
  const socket = connect(server.url, { transports: ['websocket'], forceNew: true, reconnection: false, ...options });
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  }), 5000, 'socket.io connect');
  return socket;
}

export interface Ack {
  accepted?: boolean;
  ok?: boolean;
  requestId?: string;
  sessionId?: string;
  queuePosition?: number;
  error?: { code: string; message: string; param?: string };
}

export function emit(socket: Socket, event: string, payload: unknown, ms = 5000): Promise<Ack> {
  return socket.timeout(ms).emitWithAck(event, payload) as Promise<Ack>;
}

export interface Done {
  requestId: string;
  sessionId: string;
  text: string;
  finishReason: 'stop' | 'length' | 'cancelled';
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  timings: { queueMs: number; ttftMs: number | null; totalMs: number; tokensPerSecond: number | null };
  seed: number;
  contextTurns: number;
  tokensAfterCancel?: number;
}

export interface Reply {
  deltas: { requestId: string; index: number; content: string }[];
  done?: Done;
  error?: { requestId?: string; code: string; message: string };
}

/** Records a socket's chat:delta / chat:done / chat:error events by request; `finished` resolves at chat:done or chat:error. */
export function watchReplies(socket: Socket) {
  const replies = new Map<string, Reply>();
  const waiters = new Map<string, () => void>();
  const all: { event: string; payload: { requestId?: string } }[] = [];
  const get = (id: string) => {
    let r = replies.get(id);
    if (!r) replies.set(id, (r = { deltas: [] }));
    return r;
  };
  socket.on('chat:delta', (d) => {
    all.push({ event: 'chat:delta', payload: d });
    get(d.requestId).deltas.push(d);
  });
  socket.on('chat:done', (d) => {
    all.push({ event: 'chat:done', payload: d });
    get(d.requestId).done = d;
    waiters.get(d.requestId)?.();
  });
  socket.on('chat:error', (e) => {
    all.push({ event: 'chat:error', payload: e });
    if (e.requestId) {
      get(e.requestId).error = e;
      waiters.get(e.requestId)?.();
    }
  });
  return {
    all,
    reply: get,
    finished(requestId: string, ms = 15_000): Promise<Reply> {
      const r = get(requestId);
      if (r.done || r.error) return Promise.resolve(r);
      return withTimeout(new Promise<Reply>((resolve) => waiters.set(requestId, () => resolve(get(requestId)))), ms, `reply to ${requestId}`);
    },
  };
}

/** Sends one message and waits for the complete reply. */
export async function chat(socket: Socket, watcher: ReturnType<typeof watchReplies>, payload: Record<string, unknown>): Promise<{ ack: Ack; reply: Reply }> {
  const ack = await emit(socket, 'chat:send', payload);
  if (!ack.accepted) return { ack, reply: { deltas: [] } };
  return { ack, reply: await watcher.finished(ack.requestId!) };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.json() };
}

/** Runs `demi` (bin/demi.mjs) as a child process, collecting its output. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['bin/demi.mjs', ...args], { env: { ...process.env, DEMI_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}
