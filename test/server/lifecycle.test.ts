/**
 * Server lifecycle: /health is 503 while the model loads and 200 after, with backend, model and
 * queue facts; /metrics, /v1/models and the web client are served; a model that cannot be loaded
 * keeps /health at 503 with the reason; close() lets running replies finish; `demi serve` explains
 * a missing model, a bad --runtime and an ONNX export given as the model, and shuts down gracefully
 * on SIGTERM and SIGINT.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunningServer } from '../../server/index.js';
import { testModelDir } from './model-fixture.js';
import { client, emit, getJson, runCli, startTestServer, watchReplies, withTimeout } from './helpers.js';

let server: RunningServer | undefined;

afterAll(async () => {
  await server?.close();
});

test('health is 503 until the model is loaded, then 200 with backend, model and queue facts', async () => {
  server = await startTestServer({ shutdownGraceMs: 10_000 }, false);
  const loading = await getJson(`${server.url}/health`);
  expect(loading.status).toBe(503);
  expect(loading.body.status).toBe('loading');
  const models = await fetch(`${server.url}/v1/models`);
  expect(models.status).toBe(503);
  expect((await models.json()).error.code).toBe('not_ready');

  await withTimeout(server.ready, 30_000, 'model load');
  const { status, body } = await getJson(`${server.url}/health`);
  expect(status).toBe(200);
  expect(body.status).toBe('ok');
  expect(body.backend.name).toEqual(expect.any(String));
  expect(body.model).toMatchObject({ architecture: { blockSize: 256, nLayer: 2, dModel: 64 }, demiCritic: true });
  expect(body.model.parameters).toBeGreaterThan(0);
  expect(body.model).not.toHaveProperty('dir'); // no file system paths to clients
  expect(body.queue).toEqual({ depth: 0, max: 32, active: 0, workers: 1 });
  expect(body.limits).toEqual({ maxMessageBytes: 4096 });
  expect(body.workers[0].memory.numTensors).toBe(body.workers[0].memory.baselineTensors);
}, 60_000);

test('metrics, models and the web client are served', async () => {
  const url = server!.url;
  const models = await getJson(`${url}/v1/models`);
  expect(models.status).toBe(200);
  expect(models.body).toEqual({ object: 'list', data: [{ id: 'run-best', object: 'model', created: expect.any(Number), owned_by: 'demi' }] });
  expect((await getJson(`${url}/v1/models/run-best`)).body.id).toBe('run-best');
  expect((await getJson(`${url}/v1/models/gpt-4`)).status).toBe(404);
  const unknown = await getJson(`${url}/v1/completions`);
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({ code: 'not_found', type: 'invalid_request_error' });

  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await metrics.text();
  for (const name of ['demi_http_requests_total', 'demi_chat_requests_total', 'demi_time_to_first_token_seconds', 'demi_queue_depth', 'demi_generated_tokens_total', 'demi_errors_total']) {
    expect(text).toContain(`# TYPE ${name}`);
  }
  expect(text).toMatch(/demi_http_requests_total\{route="\/v1\/models",method="GET",status="200"\} 1/);
  expect(text).toMatch(/demi_http_requests_total\{route="\/v1\/models",method="GET",status="503"\} 1/);
  expect(text).toMatch(/^demi_queue_depth 0$/m);
  expect(text).toMatch(/^demi_model_loaded 1$/m);

  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  const html = await page.text();
  expect(html).toContain('<script src="/socket.io/socket.io.js"');
  for (const asset of ['app.js', 'styles.css', 'chat-client.js', 'transcript.js', 'settings.js', 'model-info.js', 'favicon.svg', '/socket.io/socket.io.js']) {
    expect({ asset, status: (await fetch(new URL(asset, `${url}/`))).status }).toEqual({ asset, status: 200 });
  }
});

test('close() lets running replies finish and refuses new requests meanwhile', async () => {
  const running = server!;
  const socket = await client(running);
  const watcher = watchReplies(socket);
  const ack = await emit(socket, 'chat:send', { message: 'hi there', params: { maxTokens: 150, minTokens: 150, seed: 1 } });
  const closing = running.close();
  const refused = await emit(socket, 'chat:send', { message: 'hi there' });
  expect(refused.error).toMatchObject({ code: 'shutting_down', message: expect.stringMatching(/shutting down/) });
  const reply = await watcher.finished(ack.requestId!);
  expect(reply.done).toMatchObject({ finishReason: 'length', usage: { completionTokens: 150 } });
  await withTimeout(closing, 10_000, 'close');
  await expect(fetch(`${running.url}/health`)).rejects.toThrow();
  socket.disconnect();
  server = undefined;
}, 30_000);

test('a model that cannot be loaded keeps /health at 503 with the reason', async () => {
  const broken = join(mkdtempSync(join(tmpdir(), 'demi-broken-model-')), 'model');
  cpSync(await testModelDir(), broken, { recursive: true });
  writeFileSync(join(broken, 'model.safetensors'), 'not a safetensors file');
  server = await startTestServer({ modelDir: broken }, false);
  await expect(withTimeout(server.ready, 30_000, 'model load')).rejects.toThrow(/model\.safetensors/);
  const health = await getJson(`${server.url}/health`);
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: 'error', error: expect.stringMatching(/the model failed to load: .*model\.safetensors/) });
  const chat = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(chat.status).toBe(503);
  expect((await chat.json()).error.code).toBe('not_ready');
  await server.close();
  server = undefined;
}, 60_000);

test('demi serve explains a missing model, a bad --runtime and an ONNX export given as the model', async () => {
  const exported = join(mkdtempSync(join(tmpdir(), 'demi-serve-onnx-export-')), 'onnx');
  try {
    // all at once: each is a process start
    const exporting = runCli(['export', '--format', 'onnx', '--model', await testModelDir(), '--out', exported]);
    const none = runCli(['serve'], { DEMI_MODEL: '' });
    const missing = runCli(['serve', '--model', '/nonexistent/model']);
    const badRuntime = runCli(['serve', '--model', '/nonexistent/model', '--runtime', 'tensorrt']);
    expect(await withTimeout(none.exited, 30_000, 'demi serve')).toBe(1);
    expect(none.err()).toMatch(/demi serve needs a model: pass --model DIR/);
    expect(await withTimeout(missing.exited, 30_000, 'demi serve')).toBe(1);
    expect(missing.err()).toMatch(/no model at \/nonexistent\/model/);
    expect(await withTimeout(badRuntime.exited, 30_000, 'demi serve')).toBe(1);
    expect(badRuntime.err()).toMatch(/--runtime must be tfjs or onnx, got 'tensorrt'/);
    // An ONNX export is not a checkpoint: the server builds the graph from the checkpoint itself.
    expect(await withTimeout(exporting.exited, 30_000, 'demi export')).toBe(0);
    await expect(startTestServer({ modelDir: exported, runtime: 'onnx' }, false))
      .rejects.toThrow(/is an ONNX export \(demi export --format onnx\), not a checkpoint: serve the checkpoint it was exported from/);
  } finally {
    rmSync(dirname(exported), { recursive: true, force: true });
  }
}, 60_000);

test('demi serve shuts down gracefully on SIGTERM and SIGINT', async () => {
  const model = await testModelDir();
  const serves = (['SIGTERM', 'SIGINT'] as const).map((signal) => ({ signal, ...runCli(['serve', '--model', model, '--host', '127.0.0.1', '--port', '0']) }));
  await Promise.all(serves.map(async (serve) => {
    const deadline = Date.now() + 40_000;
    while (!/ready:/.test(serve.out()) && Date.now() < deadline && serve.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.out())?.[1];
    expect(url).toBeDefined();
    expect((await getJson(`${url}/health`)).status).toBe(200);
    serve.child.kill(serve.signal);
    expect(await withTimeout(serve.exited, 15_000, 'shutdown')).toBe(0);
    expect(serve.err()).toContain(`${serve.signal}: finishing running replies`);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  }));
}, 60_000);
