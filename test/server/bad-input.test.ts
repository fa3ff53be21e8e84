/**
 * Bad input never crashes or stalls the server: malformed events and packets, wrong types,
 * oversized messages, unknown sessions, busy sessions, floods from one client and cross-origin
 * browsers each get a clear error (or, for a broken packet, that one connection is closed) and the
 * server keeps serving everyone else. What reaches a generation worker runs with the workers on
 * TF.js and on onnxruntime (`demi serve --runtime onnx`); what is refused before, once.
 */
import type { Socket } from 'socket.io-client';
import type { RunningServer } from '../../server/index.js';
import { SERVE_RUNTIMES, type ServeRuntime } from '../../server/worker/protocol.js';
import { chat, client, emit, getJson, sleep, startTestServer, until, watchReplies, withTimeout } from './helpers.js';

let server: RunningServer;
const sockets: Socket[] = [];

/** A server for the tests of one describe block, its workers decoding on `runtime`. */
function serveDuringBlock(runtime: ServeRuntime): void {
  beforeAll(async () => {
    server = await startTestServer({ socketRate: { burst: 40, perSecond: 20 }, runtime });
  }, 90_000);

  afterAll(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await server?.close();
  });
}

async function open(options: Record<string, unknown> = {}) {
  const socket = await client(server, options);
  sockets.push(socket);
  return { socket, watcher: watchReplies(socket) };
}

/** After each abuse, an ordinary client still gets a whole reply. */
async function stillServing(): Promise<void> {
  const { socket, watcher } = await open();
  const { ack, reply } = await chat(socket, watcher, { message: 'hi there', params: { maxTokens: 8, seed: 1 } });
  expect(ack.accepted).toBe(true);
  expect(reply.done?.finishReason).toMatch(/^(stop|length)$/);
  socket.disconnect();
  expect((await getJson(`${server.url}/health`)).status).toBe(200);
}

// What reaches a generation worker (replies, cancels, queues), with the workers on either runtime.
describe.each(SERVE_RUNTIMES)('decoding on %s', (runtime) => {
  serveDuringBlock(runtime);

  test('events without an ack get their error as chat:error', async () => {
    const { socket } = await open();
    const errors: { code: string; message: string }[] = [];
    socket.on('chat:error', (e) => errors.push(e));
    socket.emit('chat:send', { message: 17 });
    socket.emit('chat:send');
    socket.emit('no-such-event', 1, 2, 3);
    await until(() => errors.length >= 3, 2000, 'three chat:error events');
    expect(errors.map((e) => e.code)).toEqual(['invalid_request', 'invalid_request', 'invalid_request']);
    // A message sent without an ack still runs: its reply arrives as events.
    const accepted = new Promise<{ requestId: string }>((resolve) => socket.once('chat:accepted', resolve));
    const done = new Promise<{ requestId: string }>((resolve) => socket.once('chat:done', resolve));
    socket.emit('chat:send', { message: 'hi there', params: { maxTokens: 4 } });
    const [a, d] = await withTimeout(Promise.all([accepted, done]), 5000, 'reply without an ack');
    expect(d.requestId).toBe(a.requestId);
  });

  test('oversized messages are refused; an oversized packet closes only that connection', async () => {
    const { socket } = await open();
    const long = await emit(socket, 'chat:send', { message: 'a'.repeat(4097) });
    expect(long.error).toMatchObject({ code: 'payload_too_large', message: 'message is 4097 bytes; the limit is 4096 bytes: send a shorter message' });
    const wide = await emit(socket, 'chat:send', { message: '€'.repeat(1400) }); // 3 bytes each
    expect(wide.error?.code).toBe('payload_too_large');
    const fits = await emit(socket, 'chat:send', { message: 'é'.repeat(2000), params: { maxTokens: 2 } }); // 4000 bytes
    expect(fits.accepted).toBe(true);

    const { socket: abuser } = await open();
    const closed = new Promise<string>((resolve) => abuser.once('disconnect', (reason) => resolve(reason)));
    abuser.emit('chat:send', { message: 'x'.repeat(200_000) });
    expect(await withTimeout(closed, 5000, 'disconnect of the oversized sender')).toMatch(/transport close|io server disconnect/);
    expect(socket.connected).toBe(true);
    await stillServing();
  });

  test('unknown sessions, busy sessions and too many pending requests are refused', async () => {
    const { socket, watcher } = await open();
    const unknown = await emit(socket, 'chat:send', { sessionId: 'ses_does-not-exist', message: 'hi' });
    expect(unknown.error).toMatchObject({ code: 'unknown_session', param: 'sessionId', message: expect.stringMatching(/not known here.*without a sessionId to start a new one/) });
    expect((await emit(socket, 'chat:send', { sessionId: 'x'.repeat(500), message: 'hi' })).error?.code).toBe('invalid_request');
    expect((await emit(socket, 'session:reset', { sessionId: 'ses_nope' })).error?.code).toBe('unknown_session');

    const long = { maxTokens: 200, minTokens: 200, seed: 1 };
    const first = await emit(socket, 'chat:send', { message: 'hi there', params: long });
    const busy = await emit(socket, 'chat:send', { sessionId: first.sessionId, message: 'hello again' });
    expect(busy.error).toMatchObject({ code: 'session_busy', message: expect.stringMatching(/still being generated/) });

    const more = [];
    for (let i = 0; i < 3; i++) more.push(await emit(socket, 'chat:send', { message: 'hi there', params: long }));
    expect(more.every((a) => a.accepted)).toBe(true);
    const fifth = await emit(socket, 'chat:send', { message: 'hi there' });
    expect(fifth.error).toMatchObject({ code: 'too_many_pending', message: expect.stringMatching(/already has 4 replies/) });
    for (const a of [first, ...more]) await emit(socket, 'chat:cancel', { requestId: a.requestId });
    for (const a of [first, ...more]) expect((await watcher.finished(a.requestId!)).done!.finishReason).toBe('cancelled');
    // Another connection cannot cancel this one's requests.
    const { socket: other } = await open();
    const mine = await emit(socket, 'chat:send', { message: 'hi there', params: { maxTokens: 4 } });
    expect((await emit(other, 'chat:cancel', { requestId: mine.requestId })).error?.code).toBe('unknown_request');
    await watcher.finished(mine.requestId!);
  });

  test('a flooding client is rate limited while others are served', async () => {
    const { socket: flooder } = await open();
    const { socket: polite, watcher } = await open();
    const errors: unknown[] = [];
    flooder.on('chat:error', (e) => errors.push(e));
    const t0 = performance.now();
    const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => emit(flooder, 'chat:send', { message: `spam ${i}`, params: { maxTokens: 1 } })));
    for (let i = 0; i < 300; i++) flooder.emit('chat:cancel', { requestId: 'x' }); // no acks: errors are throttled
    const reply = await chat(polite, watcher, { message: 'hi there', params: { maxTokens: 8, seed: 2 } });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(reply.reply.done).toBeDefined();
    const limited = acks.filter((a) => a.error?.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(100);
    expect(limited[0].error!.message).toMatch(/too many events from this connection \(limit 20\/s, bursts of 40\): slow down/);
    // All accepted ones are real requests (bounded by the per-socket pending limit, the rest refused).
    expect(acks.every((a) => a.accepted || ['rate_limited', 'too_many_pending'].includes(a.error!.code))).toBe(true);
    await sleep(200);
    expect(errors.length).toBeLessThan(10);
    await stillServing();
  });
});

// Refused before any job is made (validation, broken packets, origins): the runtime plays no part, so once.
describe('refused at the front end', () => {
  serveDuringBlock('tfjs');

  test('malformed chat:send payloads get a clear invalid_request error', async () => {
    const { socket } = await open();
    const cases: [unknown, RegExp][] = [
      [null, /chat:send needs \{sessionId\?: string, message: string/],
      [42, /Expected object, received number/],
      ['hello', /Expected object, received string/],
      [[1, 2], /Expected object, received array/],
      [{}, /message: Required/],
      [{ message: 5 }, /message: Expected string, received number/],
      [{ message: 'hi', params: 'fast' }, /params: Expected object/],
      [{ message: 'hi', params: { temperature: 'hot' } }, /params\.temperature: Expected number, received string/],
      [{ message: 'hi', params: { temperature: -1 } }, /params\.temperature/],
      [{ message: 'hi', params: { maxTokens: 2.5 } }, /params\.maxTokens: Expected integer/],
      [{ message: 'hi', params: { stop: 'x' } }, /params\.stop: Expected array/],
      [{ message: 'hi', params: { tempreature: 1 } }, /Unrecognized key\(s\) in object: 'tempreature'/],
      [{ message: 'hi', sessionId: 7 }, /sessionId: Expected string/],
      [{ message: 'hi', admin: true }, /Unrecognized key/],
      [{ message: 'hi', params: { maxTokens: 1e9 } }, /more than this model can generate/],
      [{ message: 'hi', params: { maxTokens: 5, minTokens: 9 } }, /minTokens \(9\) exceeds maxTokens \(5\)/],
      [{ message: '   \n ' }, /message is empty/],
    ];
    for (const [payload, message] of cases) {
      const ack = await emit(socket, 'chat:send', payload);
      expect({ payload, accepted: ack.accepted, code: ack.error?.code }).toEqual({ payload, accepted: false, code: 'invalid_request' });
      expect(ack.error!.message).toMatch(message);
    }
    // Other events too.
    expect((await emit(socket, 'chat:cancel', { id: 'x' })).error?.code).toBe('invalid_request');
    expect((await emit(socket, 'chat:cancel', 'req_1')).error?.code).toBe('invalid_request');
    expect((await emit(socket, 'session:reset', null)).error?.code).toBe('invalid_request');
    const unknown = await emit(socket, 'admin:shutdown', {});
    expect(unknown.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/unknown event 'admin:shutdown'/) });
    await stillServing();
  });

  test('broken socket.io packets close that connection only', async () => {
    const { socket: abuser } = await open();
    const closed = new Promise<string>((resolve) => abuser.once('disconnect', (reason) => resolve(reason)));
    // A socket.io EVENT packet with broken JSON, written straight onto the engine.io transport.
    (abuser.io.engine as unknown as { write(data: string): void }).write('42["chat:send",{"message":');
    expect(await withTimeout(closed, 5000, 'disconnect after a broken packet')).toBeDefined();
    const { socket: other } = await open();
    (other.io.engine as unknown as { write(data: string): void }).write('9garbage');
    await sleep(50);
    await stillServing();
  });

  test('browsers from other origins cannot connect; new connections per IP are rate limited', async () => {
    await expect(client(server, { extraHeaders: { origin: 'http://evil.example' } })).rejects.toThrow();
    const ok = await client(server, { extraHeaders: { origin: server.url } });
    ok.disconnect();

    // The default limit: bursts of 30 new connections per address, then 5 per second.
    const opened: Socket[] = [];
    let refused: (Error & { data?: { code: string } }) | undefined;
    for (let i = 0; i < 60 && !refused; i++) {
      try {
        opened.push(await client(server));
      } catch (err) {
        refused = err as Error & { data?: { code: string } };
      }
    }
    for (const s of opened) s.disconnect();
    expect(refused?.message).toMatch(/too many new connections from your address: retry in \d+ s/);
    expect(refused?.data?.code).toBe('rate_limited');
    await sleep(400); // a token or two come back
    await stillServing();
  });
});
