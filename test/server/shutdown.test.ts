/**
 * Shutdown answers everyone: on close() (what SIGTERM and SIGINT run) new requests are refused
 * (HTTP 503 with Retry-After, socket `shutting_down`), queued requests are refused at once, running
 * replies get the grace period and are then ended with an explicit error; `demi serve` under
 * SIGTERM gives each of 20 clients (socket, OpenAI streaming and not, running and queued) a final
 * answer and exits 0; `npm start` leaves no process listening after SIGTERM.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { io as connect } from 'socket.io-client';
import type { RunningServer } from '../../server/index.js';
import { testModelDir } from './model-fixture.js';
import { client, emit, runCli, sleep, startTestServer, until, watchReplies, withTimeout } from './helpers.js';

const LONG = { maxTokens: 200, minTokens: 200, temperature: 1, seed: 5 };
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

const post = (url: string, body: unknown) => fetch(`${url}/v1/chat/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

test('on close() new requests get 503 / shutting_down, queued ones are refused at once, the running one finishes', async () => {
  const server: RunningServer = await startTestServer({ shutdownGraceMs: 10_000 });
  const socket = await client(server);
  sockets.push(socket);
  const watcher = watchReplies(socket);
  // one socket handles its events in order: the first takes the worker, the second waits
  const [running, queued] = await Promise.all([1, 2].map(() => emit(socket, 'chat:send', { message: 'hi there', params: LONG })));
  expect([running.queuePosition, queued.queuePosition]).toEqual([0, 1]);
  const queuedHttp = post(server.url, { messages: [{ role: 'user', content: 'hi there' }], max_tokens: 200, min_tokens: 200 });
  await until(() => watcher.reply(running.requestId!).deltas.length > 0, 10_000, 'the first delta');

  const t0 = performance.now();
  const closing = server.close();
  const refusedQueued = await watcher.finished(queued.requestId!, 2000);
  expect(refusedQueued.done).toBeUndefined();
  expect(refusedQueued.error).toMatchObject({ code: 'shutting_down', message: expect.stringMatching(/shutting down/) });
  const queuedResponse = await withTimeout(queuedHttp, 2000, 'the queued HTTP request');
  expect(queuedResponse.status).toBe(503);
  expect(queuedResponse.headers.get('retry-after')).toMatch(/^\d+$/);
  expect((await queuedResponse.json()).error).toMatchObject({ code: 'shutting_down', type: 'service_unavailable_error' });
  expect(performance.now() - t0).toBeLessThan(1000);

  const late = await post(server.url, { messages: [{ role: 'user', content: 'hi there' }] });
  expect(late.status).toBe(503);
  expect(late.headers.get('retry-after')).toMatch(/^\d+$/);
  expect((await late.json()).error.code).toBe('shutting_down');
  const lateSocket = await emit(socket, 'chat:send', { message: 'hi there' });
  expect(lateSocket.error?.code).toBe('shutting_down');
  const errors: { code: string }[] = [];
  socket.on('chat:error', (e) => errors.push(e));
  socket.emit('chat:send', { message: 'hi there' });
  await until(() => errors.some((e) => e.code === 'shutting_down'), 2000, 'chat:error shutting_down');

  const reply = await watcher.finished(running.requestId!, 10_000);
  expect(reply.done).toMatchObject({ finishReason: 'length', usage: { completionTokens: 200 } });
  await withTimeout(closing, 10_000, 'close');
}, 120_000); // the first test of a run may train the test model

async function readyUrl(out: () => string, alive: () => boolean): Promise<string> {
  const deadline = Date.now() + 40_000;
  while (!/ready:/.test(out()) && Date.now() < deadline && alive()) await sleep(50);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out())?.[1];
  if (!url || !/ready:/.test(out())) throw new Error(`the server did not get ready:\n${out()}`);
  return url;
}

/** What one client ended with: 'done:<reason>', 'error:<code>', or 'none' when nothing final came. */
type Final = string;

/** An OpenAI streaming request read to its end: the finish_reason chunk, an error event, [DONE]. */
async function streamClient(url: string, started: () => void): Promise<Final> {
  const response = await post(url, { messages: [{ role: 'user', content: 'hi there' }], stream: true, ...{ max_tokens: 200, min_tokens: 200, temperature: 1, seed: 5 } });
  const reader = response.body!.getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (/"content":"[^"]/.test(text)) started();
    }
  } catch {
    // a reset connection: judged by what arrived before it
  }
  const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  if (events[events.length - 1] !== '[DONE]') return 'none';
  const json = events.slice(0, -1).map((e) => JSON.parse(e));
  const finish = json.find((c) => c.choices?.[0]?.finish_reason)?.choices[0].finish_reason;
  const error = json.find((c) => c.error)?.error.code;
  if (!finish) return 'none';
  return error ? `error:${error}` : `done:${finish}`;
}

async function plainClient(url: string): Promise<Final> {
  try {
    const response = await post(url, { messages: [{ role: 'user', content: 'hi there' }], max_tokens: 200, min_tokens: 200, temperature: 1 });
    const body = await response.json();
    if (response.status === 200) return `done:${body.choices[0].finish_reason}`;
    return response.status === 503 && body.error ? `error:${body.error.code}` : `status:${response.status}`;
  } catch {
    return 'none';
  }
}

test('SIGTERM: 20 clients mid-stream and queued (socket, OpenAI streaming and not) each get a final answer; exit 0', async () => {
  const model = await testModelDir();
  // --rerank 0: the running replies must stream (a reranked one arrives whole, at its end)
  const server = runCli(['serve', '--model', model, '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--shutdown-grace', '0.3', '--max-pending-per-ip', '20', '--rerank', '0']);
  try {
    const url = await readyUrl(server.out, () => server.child.exitCode === null);
    const finals: Promise<Final>[] = [];
    let streaming = 0;
    // The first two take the two workers and are mid-stream at SIGTERM; the other 18 wait in the queue.
    const first = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    sockets.push(first);
    const socketFinal = async (socket: Socket): Promise<{ final: Promise<Final>; deltas: () => number }> => {
      const watcher = watchReplies(socket);
      const ack = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
      if (!ack.accepted) throw new Error(`not accepted: ${JSON.stringify(ack.error)}`);
      const final = watcher.finished(ack.requestId!, 20_000).then(
        (r) => (r.error ? `error:${r.error.code}` : `done:${r.done!.finishReason}`), () => 'none');
      return { final, deltas: () => watcher.reply(ack.requestId!).deltas.length };
    };
    await withTimeout(new Promise((resolve) => first.once('connect', () => resolve(undefined))), 5000, 'connect');
    const a = await socketFinal(first);
    finals.push(a.final);
    finals.push(streamClient(url, () => { streaming++; }));
    await until(() => a.deltas() > 0 && streaming > 0, 10_000, 'both running replies to stream');
    for (let i = 0; i < 18; i++) {
      if (i % 3 === 0) {
        const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
        sockets.push(socket);
        await withTimeout(new Promise((resolve) => socket.once('connect', () => resolve(undefined))), 5000, 'connect');
        finals.push((await socketFinal(socket)).final);
      } else if (i % 3 === 1) {
        finals.push(streamClient(url, () => undefined));
      } else {
        finals.push(plainClient(url));
      }
    }
    await sleep(200); // the HTTP requests reach the queue
    server.child.kill('SIGTERM');
    const results = await withTimeout(Promise.all(finals), 20_000, 'every client to be answered');
    expect(await withTimeout(server.exited, 20_000, 'exit')).toBe(0);
    const counts: Record<string, number> = {};
    for (const r of results) counts[r] = (counts[r] ?? 0) + 1;
    expect({ counts, answered: results.filter((r) => r.startsWith('done:stop') || r.startsWith('done:length') || r === 'error:shutting_down').length })
      .toEqual({ counts, answered: 20 });
    expect(results.filter((r) => r === 'error:shutting_down').length).toBeGreaterThanOrEqual(18);
  } finally {
    server.child.kill('SIGKILL');
  }
}, 90_000);

function npmStart(args: string[]) {
  const child = spawn('npm', ['start', '--silent', '--', ...args], {
    env: { ...process.env, DEMI_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stdout += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout };
}

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

test.each(['the process group', 'npm alone'])('npm start leaves no listener after SIGTERM to %s', async (target) => {
  const model = await testModelDir();
  const start = npmStart(['--model', model, '--host', '127.0.0.1', '--port', '0']);
  const pgid = start.child.pid!;
  try {
    const url = await readyUrl(start.out, () => groupAlive(pgid));
    expect((await fetch(`${url}/health`)).status).toBe(200);
    process.kill(target === 'npm alone' ? pgid : -pgid, 'SIGTERM');
    await withTimeout(start.exited, 15_000, 'npm to exit');
    await until(() => !groupAlive(pgid), 15_000, 'every process of npm start to exit');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  } finally {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  }
}, 60_000);
