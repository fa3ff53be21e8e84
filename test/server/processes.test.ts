/**
 * `demi serve --processes 2`: two server processes on one port (node:cluster with sticky sessions).
 * A socket.io client that starts on long-polling and upgrades to WebSocket chats with one process;
 * a client moved to the other process gets `unknown_session` and goes on with its own history (what
 * the web page does); OpenAI requests and /health are answered by both processes; SIGTERM to the
 * primary answers the running requests of each process, leaves no listener and exits 0.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { availableParallelism } from 'node:os';
import { threadsPerWorker } from '../../server/worker/worker-pool.js';
import { testModelDir } from './model-fixture.js';
import { emit, freePort, runCli, sleep, until, watchReplies, withTimeout } from './helpers.js';

const GREEDY = { temperature: 0, maxTokens: 12 };
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

const post = (url: string, body: unknown) => fetch(`${url}/v1/chat/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

async function healthOf(url: string): Promise<{ pid: number; backend: { nativeKernels: boolean; threads: number | null } }> {
  const response = await fetch(`${url}/health`);
  expect(response.status).toBe(200);
  return response.json();
}

/** A connected client; `firstTransport` is the transport its engine.io session opened with. */
async function connected(url: string, options: Record<string, unknown>): Promise<{ socket: Socket; firstTransport: () => string | undefined }> {
  const socket = connect(url, { forceNew: true, reconnection: false, autoConnect: false, ...options });
  sockets.push(socket);
  let first: string | undefined;
  socket.io.once('open', () => { first = socket.io.engine.transport.name; });
  socket.connect();
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  }), 10_000, 'socket.io connect');
  return { socket, firstTransport: () => first };
}

test('two processes share the port: socket.io over polling and WebSocket, OpenAI on both, SIGTERM exits 0', async () => {
  const model = await testModelDir();
  const port = await freePort();
  const server = runCli(['serve', '--model', model, '--host', '127.0.0.1', '--port', String(port), '--processes', '2',
    '--rerank', '0', '--shutdown-grace', '5', '--max-pending-per-ip', '20']);
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    while (!/ready:/.test(server.out()) && Date.now() < deadline && server.child.exitCode === null) await sleep(50);
    expect({ ready: /ready:/.test(server.out()), stderr: server.err().slice(-2000) }).toEqual({ ready: true, stderr: expect.any(String) });

    // /health answers per process: round-robin over new connections reaches both; each process's
    // engine takes its share of the cores, not all of them
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const health = await healthOf(url);
      pids.add(health.pid);
      if (!process.env.DEMI_THREADS) expect(health.backend.threads).toBe(threadsPerWorker(1, availableParallelism(), 2));
    }
    expect(pids.size).toBe(2);
    expect(pids.has(server.child.pid!)).toBe(false);

    // polling first, then the upgrade: both must reach the process that holds the engine.io session
    const polling = (await connected(url, { transports: ['polling'] })).socket;
    const pollingWatcher = watchReplies(polling);
    const overPolling = await emit(polling, 'chat:send', { message: 'hi there', params: GREEDY });
    expect(overPolling).toMatchObject({ accepted: true });
    expect((await pollingWatcher.finished(overPolling.requestId!, 20_000)).done?.text.length).toBeGreaterThan(0);
    expect(polling.io.engine.transport.name).toBe('polling');

    const upgrading = await connected(url, { transports: ['polling', 'websocket'] });
    const socket = upgrading.socket;
    expect(upgrading.firstTransport()).toBe('polling');
    const watcher = watchReplies(socket);
    const first = await emit(socket, 'chat:send', { message: 'hi there', params: GREEDY });
    expect(first).toMatchObject({ accepted: true });
    const firstReply = await watcher.finished(first.requestId!, 20_000);
    expect(firstReply.done?.text.length).toBeGreaterThan(0);
    await until(() => socket.io.engine.transport.name === 'websocket', 10_000, 'the upgrade to WebSocket');
    const second = await emit(socket, 'chat:send', { sessionId: first.sessionId, message: 'how are you?', params: GREEDY });
    expect(second).toMatchObject({ accepted: true, sessionId: first.sessionId });
    expect((await watcher.finished(second.requestId!, 20_000)).done?.contextTurns).toBe(3);

    // A client moved to another process (a reconnect is balanced anew): the session is not there,
    // and the client's own turns start it again, as the web page does on unknown_session.
    const history = ['hi there', firstReply.done!.text];
    let moved = false;
    for (let i = 0; i < 4 && !moved; i++) {
      const other = (await connected(url, { transports: ['websocket'] })).socket;
      const otherWatcher = watchReplies(other);
      const again = await emit(other, 'chat:send', { sessionId: first.sessionId, message: 'and you?', params: GREEDY });
      if (again.accepted) {
        await otherWatcher.finished(again.requestId!, 20_000);
        continue;
      }
      expect(again.error?.code).toBe('unknown_session');
      moved = true;
      const seeded = await emit(other, 'chat:send', { message: 'and you?', params: GREEDY, history });
      expect(seeded).toMatchObject({ accepted: true });
      expect((await otherWatcher.finished(seeded.requestId!, 20_000)).done?.contextTurns).toBe(3);
    }
    expect(moved).toBe(true);

    // stateless OpenAI requests, several at once, each answered
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(url, {
      messages: [{ role: 'user', content: 'hi there' }], temperature: 0, max_tokens: 8,
    }).then(async (r) => ({ status: r.status, body: await r.json() }))));
    for (const a of answers) expect({ status: a.status, finish: a.body.choices?.[0]?.finish_reason }).toEqual({ status: 200, finish: expect.stringMatching(/^(stop|length)$/) });
    // each process counts only what it answered: two consecutive /metrics requests reach both
    const openaiCount = async () => [...(await (await fetch(`${url}/metrics`)).text())
      .matchAll(/^demi_chat_requests_total\{[^}]*route="openai"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    const counts = [await openaiCount(), await openaiCount()];
    expect({ counts, total: counts[0]! + counts[1]! }).toEqual({ counts: [expect.any(Number), expect.any(Number)], total: 6 });
    expect(Math.min(...counts)).toBeGreaterThan(0);

    // SIGTERM with a reply running: it is finished, then no process listens and the primary exits 0
    const running = post(url, { messages: [{ role: 'user', content: 'hi there' }], max_tokens: 150, min_tokens: 150, temperature: 1 });
    await sleep(300);
    server.child.kill('SIGTERM');
    const last = await withTimeout(running, 20_000, 'the running reply');
    expect(last.status).toBe(200);
    expect((await last.json()).choices[0].finish_reason).toBe('length');
    expect(await withTimeout(server.exited, 20_000, 'the primary to exit')).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  } finally {
    server.child.kill('SIGKILL');
  }
}, 120_000);
