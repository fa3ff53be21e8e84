/**
 * Load, on one server with two generation workers and a queue of 3: two workers generate side by
 * side; a full queue answers `overloaded` (socket) and HTTP 429 (OpenAI route) at once; a queued
 * request can be cancelled; after 200 chats of every kind each worker's tf.memory().numTensors is
 * back to its baseline; a worker that dies mid-reply fails that reply (never a hang) and is replaced.
 */
import type { Socket } from 'socket.io-client';
import type { RunningServer } from '../../server/index.js';
import { threadsPerWorker } from '../../server/worker/worker-pool.js';
import { client, emit, getJson, startTestServer, until, watchReplies, withTimeout } from './helpers.js';

let server: RunningServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({
    workers: 2, maxQueue: 3, maxPendingPerSocket: 8,
    socketRate: { burst: 10_000, perSecond: 10_000 }, httpRate: { burst: 10_000, perSecond: 10_000 },
  });
}, 90_000);

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

afterAll(async () => {
  await server?.close();
});

const LONG = { maxTokens: 200, minTokens: 200, temperature: 1, seed: 5 };

test('two workers generate side by side', async () => {
  const socket = await client(server);
  sockets.push(socket);
  const watcher = watchReplies(socket);
  const a = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
  const b = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
  expect([a.queuePosition, b.queuePosition]).toEqual([0, 0]);
  const health = await getJson(`${server.url}/health`);
  expect(health.body.queue).toMatchObject({ active: 2, workers: 2, depth: 0 });
  expect(health.body.workers.map((w: { busy: boolean }) => w.busy)).toEqual([true, true]);
  const [ra, rb] = await Promise.all([watcher.finished(a.requestId!), watcher.finished(b.requestId!)]);
  expect(ra.done!.text).toBe(rb.done!.text); // same seed, same text, on different workers
});

test('the two workers split the cores: each runs the engine at cores / 2 threads', async () => {
  const health = await getJson(`${server.url}/health`);
  if (process.env.DEMI_THREADS) return; // a thread count the user set is theirs: the pool leaves it alone
  expect(health.body.backend.threads).toBe(threadsPerWorker(2));
});

test('a full queue answers overloaded / HTTP 429 at once; queued requests can be cancelled', async () => {
  const socket = await client(server);
  sockets.push(socket);
  const watcher = watchReplies(socket);
  const acks = [];
  for (let i = 0; i < 5; i++) acks.push(await emit(socket, 'chat:send', { message: 'hi there', params: LONG }));
  expect(acks.map((a) => a.queuePosition)).toEqual([0, 0, 1, 2, 3]);

  const t0 = performance.now();
  const refused = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
  expect(performance.now() - t0).toBeLessThan(500);
  expect(refused.accepted).toBe(false);
  expect(refused.error).toMatchObject({ code: 'overloaded', message: expect.stringMatching(/busy: 2 replies are being generated and 3 requests wait \(the queue holds 3\)/) });

  const t1 = performance.now();
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi there' }] }),
  });
  expect(performance.now() - t1).toBeLessThan(500);
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe('1');
  expect((await response.json()).error).toMatchObject({ code: 'overloaded', type: 'rate_limit_error' });
  expect((await getJson(`${server.url}/health`)).body.queue).toMatchObject({ depth: 3, max: 3, active: 2 });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/demi_errors_total\{route="socket",code="overloaded"\} 1$/m);
  expect(metrics).toMatch(/demi_errors_total\{route="openai",code="overloaded"\} 1$/m);
  expect(metrics).toMatch(/^demi_queue_depth 3$/m);

  // A queued request cancelled never runs; the others go on in order.
  const last = acks[4];
  expect(await emit(socket, 'chat:cancel', { requestId: last.requestId })).toEqual({ ok: true });
  const cancelled = await watcher.finished(last.requestId!, 2000);
  expect(cancelled.done).toMatchObject({ finishReason: 'cancelled', usage: { completionTokens: 0 } });
  expect(cancelled.deltas).toHaveLength(0);
  for (const a of acks.slice(0, 2)) expect(await emit(socket, 'chat:cancel', { requestId: a.requestId })).toEqual({ ok: true });
  for (const a of acks.slice(0, 2)) expect((await watcher.finished(a.requestId!)).done!.finishReason).toBe('cancelled');
  for (const a of acks.slice(2, 4)) {
    const next = await watcher.finished(a.requestId!, 15_000);
    expect(next.done!.finishReason).toBe('length');
    expect(next.done!.timings.queueMs).toBeGreaterThan(0);
  }
}, 30_000);

test('tf.memory().numTensors returns to its baseline after 200 chats', async () => {
  const clients = await Promise.all(Array.from({ length: 4 }, () => client(server)));
  sockets.push(...clients);
  let count = 0;
  const kinds = new Map<string, number>();
  await withTimeout(Promise.all(clients.map(async (socket, c) => {
    const watcher = watchReplies(socket);
    let sessionId: string | undefined;
    for (let i = 0; i < 45; i++) {
      const k = (c * 45 + i) % 5;
      const params = [
        { maxTokens: 6, seed: i },
        { maxTokens: 6, temperature: 0 },
        { maxTokens: 8, seed: i, stop: ['.', '?'], topP: 0.5 },
        { maxTokens: 6, seed: i, repetitionPenalty: 1.3, noRepeatNgramSize: 2, topK: 5 },
        { maxTokens: 60, minTokens: 60, seed: i }, // cancelled after its first delta
      ][k];
      const ack = await emit(socket, 'chat:send', { sessionId, message: `how is the weather in lima ? ${i}`, params });
      expect(ack.accepted).toBe(true);
      sessionId = ack.sessionId;
      if (k === 4) {
        await until(() => watcher.reply(ack.requestId!).deltas.length > 0 || watcher.reply(ack.requestId!).done !== undefined, 10_000, 'the first delta');
        await emit(socket, 'chat:cancel', { requestId: ack.requestId });
      }
      const reply = await watcher.finished(ack.requestId!);
      expect(reply.done).toBeDefined();
      kinds.set(reply.done!.finishReason, (kinds.get(reply.done!.finishReason) ?? 0) + 1);
      count++;
    }
  })), 60_000, '180 socket chats');
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'thanks a lot' }], max_tokens: 6, seed: i, stream: i % 2 === 0 }),
    });
    await response.text();
    expect(response.status).toBe(200);
    count++;
  }
  expect(count).toBe(200);
  expect(kinds.get('cancelled')).toBeGreaterThan(0);
  const workers = (await getJson(`${server.url}/health`)).body.workers.map((w: { memory: unknown }) => w.memory);
  expect(workers.reduce((n: number, w: { generations: number }) => n + w.generations, 0)).toBeGreaterThanOrEqual(200 - kinds.get('cancelled')!);
  for (const w of workers) expect(w.numTensors).toBe(w.baselineTensors);
}, 90_000);

test('a worker that dies mid-reply fails that reply and is replaced', async () => {
  const socket = await client(server);
  sockets.push(socket);
  const watcher = watchReplies(socket);
  const ack = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
  await until(() => watcher.reply(ack.requestId!).deltas.length >= 2, 10_000, 'two deltas');
  const index = server.workers.workers.findIndex((w) => w.busyWith === ack.requestId);
  const crashed = server.workers.workers[index];
  await (crashed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate(); // as if the thread died
  const reply = await watcher.finished(ack.requestId!, 5000);
  expect(reply.error).toMatchObject({ code: 'internal', message: expect.stringMatching(/stopped unexpectedly; please retry/) });
  expect(server.workers.workers[index]).not.toBe(crashed);
  await withTimeout(server.workers.workers[index].ready, 30_000, 'the replacement worker');
  // Both workers serve again.
  const a = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
  const b = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
  expect([a.queuePosition, b.queuePosition]).toEqual([0, 0]);
  const [ra, rb] = await Promise.all([watcher.finished(a.requestId!), watcher.finished(b.requestId!)]);
  expect(ra.done!.text).toBe(rb.done!.text);
}, 60_000);
