/**
 * socket.io chat: streaming, stream == non-stream for the same seed, history per session (and its
 * truncation from the front), cancellation and disconnects stopping within one token, a responsive
 * event loop while the worker generates, and 16 concurrent clients whose streams never mix; all of
 * it with the workers decoding on TF.js and on onnxruntime (`demi serve --runtime onnx`).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import type { RunningServer } from '../../server/index.js';
import { SERVE_RUNTIMES } from '../../server/worker/protocol.js';
import { chat, client, emit, getJson, startTestServer, until, watchReplies } from './helpers.js';

let server: RunningServer;
const sockets: Socket[] = [];

async function open(): Promise<{ socket: Socket; watcher: ReturnType<typeof watchReplies> }> {
  const socket = await client(server);
  sockets.push(socket);
  return { socket, watcher: watchReplies(socket) };
}

/** A long reply: EOS suppressed until maxTokens. */
const LONG = { maxTokens: 200, minTokens: 200, temperature: 1, seed: 5 };

describe.each(SERVE_RUNTIMES)('decoding on %s', (runtime) => {
  beforeAll(async () => {
    // 16 clients on one address play 16 users: the per-address cap (8 by default) would refuse half
    server = await startTestServer({ maxPendingPerIp: 16, runtime });
  }, 90_000);

  afterAll(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await server?.close();
  });

  test('a reply streams as deltas that add up to the final text', async () => {
    const { socket, watcher } = await open();
    const { ack, reply } = await chat(socket, watcher, { message: 'hi there', params: { seed: 1, maxTokens: 40, minTokens: 8 } });
    expect(ack).toMatchObject({ accepted: true, queuePosition: 0, requestId: expect.stringMatching(/^req_/), sessionId: expect.stringMatching(/^ses_/) });
    const { done, deltas } = reply;
    expect(done).toBeDefined();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.index)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((d) => d.content).join('')).toBe(done!.text);
    expect(done!.text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(done!.finishReason);
    expect(done!.usage.completionTokens).toBeGreaterThanOrEqual(8);
    expect(done!.usage.totalTokens).toBe(done!.usage.promptTokens + done!.usage.completionTokens);
    expect(done!.timings.ttftMs).toBeGreaterThanOrEqual(0);
    expect(done!.timings.totalMs).toBeGreaterThanOrEqual(done!.timings.ttftMs!);
    expect(done!.seed).toBe(1);
    // the worker says what decoded the reply: one onnxruntime forward pass per token (and the prompt's), or none
    const health = (await getJson(`${server.url}/health`)).body;
    expect(health.runtime.name).toBe(runtime);
    const forwardPasses = health.workers[0].memory.onnxForwardPasses;
    if (runtime === 'onnx') expect(forwardPasses).toBeGreaterThanOrEqual(done!.usage.completionTokens);
    else expect(forwardPasses).toBe(0);
  });

  test('streamed text equals non-streamed text for the same seed; other seeds differ', async () => {
    const { socket, watcher } = await open();
    const params = { seed: 42, temperature: 1, maxTokens: 40, minTokens: 30 };
    const a = await chat(socket, watcher, { message: 'how is the weather in oslo ?', params });
    const b = await chat(socket, watcher, { message: 'how is the weather in oslo ?', params }); // new session, same prompt
    expect(b.reply.done!.text).toBe(a.reply.done!.text);
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'how is the weather in oslo ?' }], seed: 42, temperature: 1, max_tokens: 40, min_tokens: 30 }),
    });
    const body = await response.json();
    expect(body.choices[0].message.content).toBe(a.reply.done!.text);
    const other = await chat(socket, watcher, { message: 'how is the weather in oslo ?', params: { ...params, seed: 43 } });
    expect(other.reply.done!.text).not.toBe(a.reply.done!.text);
  });

  test('history is kept per session, truncated from the front, and reset on request', async () => {
    const { socket, watcher } = await open();
    const first = await chat(socket, watcher, { message: 'hi there', params: { seed: 1, maxTokens: 20 } });
    const sessionId = first.ack.sessionId!;
    expect(first.reply.done!.contextTurns).toBe(1);
    const second = await chat(socket, watcher, { sessionId, message: 'what colour is the sky ?', params: { seed: 1, maxTokens: 20 } });
    expect(second.ack.sessionId).toBe(sessionId);
    expect(second.reply.done!.contextTurns).toBe(3);
    expect(second.reply.done!.usage.promptTokens).toBeGreaterThan(first.reply.done!.usage.promptTokens);

    // Fill the block: older turns drop out from the front, on turn boundaries.
    const maxTokens = 64;
    let last = second;
    for (let i = 0; i < 12; i++) {
      last = await chat(socket, watcher, { sessionId, message: `how is the weather in paris , london , tokyo and cairo today ? ${i}`, params: { seed: i, maxTokens } });
      expect(last.reply.done).toBeDefined();
    }
    expect(last.reply.done!.contextTurns).toBeLessThan(2 * 14 + 1);
    expect(last.reply.done!.contextTurns).toBeGreaterThanOrEqual(1);
    expect(last.reply.done!.usage.promptTokens).toBeLessThanOrEqual(256 - maxTokens);

    const reset = await emit(socket, 'session:reset', { sessionId });
    expect(reset).toEqual({ ok: true, sessionId });
    const after = await chat(socket, watcher, { sessionId, message: 'hi there', params: { seed: 1, maxTokens: 20 } });
    expect(after.reply.done!.contextTurns).toBe(1);
    expect(after.reply.done!.text).toBe(first.reply.done!.text);
  });

  test('chat:cancel stops the generation within one token', async () => {
    const { socket, watcher } = await open();
    const ack = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
    expect(ack.accepted).toBe(true);
    const id = ack.requestId!;
    await until(() => watcher.reply(id).deltas.length >= 3, 10_000, 'three deltas');
    const cancelledAt = performance.now();
    expect(await emit(socket, 'chat:cancel', { requestId: id })).toEqual({ ok: true });
    const reply = await watcher.finished(id, 5000);
    const latency = performance.now() - cancelledAt;
    expect(reply.done!.finishReason).toBe('cancelled');
    expect(reply.done!.tokensAfterCancel).toBeLessThanOrEqual(1);
    expect(reply.done!.usage.completionTokens).toBeLessThan(LONG.maxTokens);
    expect(latency).toBeLessThan(1000);
    // The partial reply is what was streamed; a second cancel finds nothing to cancel.
    expect(reply.deltas.map((d) => d.content).join('')).toBe(reply.done!.text);
    const again = await emit(socket, 'chat:cancel', { requestId: id });
    expect(again.error?.code).toBe('unknown_request');
  });

  test('a disconnect cancels the client\'s generation', async () => {
    const { socket, watcher } = await open();
    const tokensBefore = server.metrics.generatedTokens.get({ route: 'socket' });
    const cancelledBefore = server.metrics.chatRequests.get({ route: 'socket', outcome: 'cancelled' });
    const ack = await emit(socket, 'chat:send', { message: 'hi there', params: LONG });
    await until(() => watcher.reply(ack.requestId!).deltas.length >= 3, 10_000, 'three deltas');
    socket.disconnect();
    await until(() => server.metrics.chatRequests.get({ route: 'socket', outcome: 'cancelled' }) > cancelledBefore, 2000, 'cancellation after disconnect');
    const generated = server.metrics.generatedTokens.get({ route: 'socket' }) - tokensBefore;
    expect(generated).toBeLessThan(LONG.maxTokens);
    expect((await getJson(`${server.url}/health`)).body.queue.active).toBe(0);
  });

  test('the event loop stays responsive while the worker generates', async () => {
    const { socket, watcher } = await open();
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const ack = await emit(socket, 'chat:send', { message: 'hi there', params: { ...LONG, maxTokens: 224, minTokens: 224 } });
    delay.enable();
    const latencies: number[] = [];
    let busySeen = false;
    const done = watcher.finished(ack.requestId!, 20_000);
    let finished = false;
    void done.then(() => { finished = true; });
    while (!finished && latencies.length < 200) {
      const t0 = performance.now();
      const health = await getJson(`${server.url}/health`);
      latencies.push(performance.now() - t0);
      if (!finished && health.body.workers[0].busy) busySeen = true;
    }
    delay.disable();
    const reply = await done;
    expect(reply.done!.usage.completionTokens).toBe(224);
    expect(busySeen).toBe(true);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    // Generous bounds: the machine may be shared; a blocked loop would stall for the whole generation.
    expect(Math.max(...latencies)).toBeLessThan(500);
    expect(delay.max / 1e6).toBeLessThan(250);
  });

  test('16 concurrent clients get their own streams, identical to sequential runs', async () => {
    const n = 16;
    const messages = Array.from({ length: n }, (_, i) => ({
      message: i % 2 ? `what colour is the ${['apple', 'sky', 'grass', 'snow'][i % 4]} ?` : `how is the weather in ${['paris', 'london', 'tokyo', 'cairo'][i % 4]} ?`,
      params: { seed: 100 + i, temperature: 1, maxTokens: 24, minTokens: 12 },
    }));
    // Reference: one at a time.
    const { socket: solo, watcher: soloWatcher } = await open();
    const expected: string[] = [];
    for (const m of messages) expected.push((await chat(solo, soloWatcher, m)).reply.done!.text);

    const clients = await Promise.all(Array.from({ length: n }, () => open()));
    const results = await Promise.all(clients.map(({ socket, watcher }, i) => chat(socket, watcher, messages[i])));
    const positions = results.map((r) => r.ack.queuePosition!);
    expect(Math.max(...positions)).toBeGreaterThan(0); // they really were queued together
    results.forEach(({ ack, reply }, i) => {
      expect(ack.accepted).toBe(true);
      // Every event this socket saw belongs to its own request.
      expect(clients[i].watcher.all.every((e) => e.payload.requestId === ack.requestId)).toBe(true);
      expect(reply.deltas.map((d) => d.index)).toEqual(reply.deltas.map((_, k) => k));
      expect(reply.deltas.map((d) => d.content).join('')).toBe(reply.done!.text);
      expect(reply.done!.text).toBe(expected[i]);
    });
  }, 60_000);
});
