/**
 * Who may use the server: POSTs must be application/json (so no page can start a generation
 * with a "simple" cross-site request), Host must be one this server answers to (DNS rebinding),
 * browsers must come from the server's own origin, an API key is enforced when set, one address
 * cannot hold more than its share of the queue, and a JSON body must be an object.
 */
import { request } from 'node:http';
import OpenAI from 'openai';
import type { Socket } from 'socket.io-client';
import type { RunningServer } from '../../server/index.js';
import { exposureWarning } from '../../server/access.js';
import { client, emit, startTestServer, watchReplies } from './helpers.js';

let server: RunningServer;
let keyed: RunningServer;
const sockets: Socket[] = [];
const KEY = 'sk-test-0123456789';

beforeAll(async () => {
  [server, keyed] = await Promise.all([
    startTestServer({ maxPendingPerIp: 6, allowedHosts: ['chat.example.org', '.corp.example'] }),
    startTestServer({ apiKey: KEY }),
  ]);
}, 90_000);

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

afterAll(async () => {
  await Promise.all([server?.close(), keyed?.close()]);
});

const CHAT = JSON.stringify({ messages: [{ role: 'user', content: 'hi there' }], max_tokens: 2 });

/** node:http, so that Host and Origin can be anything (fetch does not let a caller set Host). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('POSTs without Content-Type: application/json are refused with 415 and start nothing', async () => {
  const before = server.metrics.chatRequests.get({ route: 'openai', outcome: 'ok' });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    const response = await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: type ? { 'content-type': type } : {} });
    expect({ type, status: response.status }).toEqual({ type, status: 415 });
    expect(JSON.parse(response.body).error).toMatchObject({ code: 'unsupported_media_type', type: 'invalid_request_error', message: expect.stringMatching(/application\/json/) });
  }
  const ok = await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { 'content-type': 'application/json; charset=utf-8' } });
  expect(ok.status).toBe(200);
  expect(server.metrics.chatRequests.get({ route: 'openai', outcome: 'ok' })).toBe(before + 1);
});

test('a Host the server does not answer to gets 403 on HTTP and the socket.io handshake (DNS rebinding)', async () => {
  const port = new URL(server.url).port;
  for (const path of ['/health', '/v1/models', '/', '/socket.io/?EIO=4&transport=polling']) {
    const response = await raw(server.url, path, { headers: { host: `attacker.example:${port}` } });
    expect({ path, status: response.status }).toEqual({ path, status: 403 });
  }
  const chat = await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { host: 'attacker.example', 'content-type': 'application/json' } });
  expect(chat.status).toBe(403);
  expect(JSON.parse(chat.body).error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/--allowed-hosts/) });
  await expect(client(server, { extraHeaders: { host: `attacker.example:${port}` } })).rejects.toThrow();
  // Loopback names, IP addresses and the allowed names are served.
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'chat.example.org', 'a.corp.example', 'corp.example']) {
    expect({ host, status: (await raw(server.url, '/health', { headers: { host } })).status }).toEqual({ host, status: 200 });
  }
  expect((await raw(server.url, '/health', { headers: { host: 'evil-chat.example.org' } })).status).toBe(403);
});

test('browser POSTs from another origin get 403; the own origin is served', async () => {
  const headers = { 'content-type': 'application/json' };
  const cross = await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { ...headers, origin: 'http://evil.example' } });
  expect(cross.status).toBe(403);
  expect(JSON.parse(cross.body).error.code).toBe('forbidden');
  expect((await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { ...headers, origin: 'null' } })).status).toBe(403);
  expect((await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { ...headers, origin: server.url } })).status).toBe(200);
});

test('--api-key: /v1 needs the Bearer key, socket.io needs auth.apiKey; the rest of the page stays open', async () => {
  const noKey = await raw(keyed.url, '/v1/models');
  expect(noKey.status).toBe(401);
  expect(noKey.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(JSON.parse(noKey.body).error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_request_error' });
  expect((await raw(keyed.url, '/v1/models', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  const post = await raw(keyed.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { 'content-type': 'application/json' } });
  expect(post.status).toBe(401);
  const openai = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 15_000 });
  const completion = await openai.chat.completions.create({ model: 'run-best', messages: [{ role: 'user', content: 'hi there' }], max_tokens: 3 });
  expect(completion.choices[0].finish_reason).toMatch(/^(stop|length)$/);
  const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  await expect(wrong.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });

  const refused = await client(keyed).then(() => undefined, (err: Error & { data?: { code: string } }) => err);
  expect(refused?.data?.code).toBe('invalid_api_key');
  const badKey = await client(keyed, { auth: { apiKey: 'nope' } }).then(() => undefined, (err: Error & { data?: { code: string } }) => err);
  expect(badKey?.data?.code).toBe('invalid_api_key');
  const socket = await client(keyed, { auth: { apiKey: KEY } });
  sockets.push(socket);
  const watcher = watchReplies(socket);
  const ack = await emit(socket, 'chat:send', { message: 'hi there', params: { maxTokens: 3 } });
  expect((await watcher.finished(ack.requestId!)).done).toBeDefined();
  // The page and its health check need no key (the page asks for it before chatting).
  expect((await raw(keyed.url, '/health')).status).toBe(200);
  expect((await raw(keyed.url, '/')).status).toBe(200);
});

test('one address cannot hold more than --max-pending-per-ip requests across its sockets and HTTP', async () => {
  const long = { maxTokens: 200, minTokens: 200, seed: 1 };
  const opened = await Promise.all([client(server), client(server)]);
  sockets.push(...opened);
  const acks = [];
  for (const socket of opened) for (let i = 0; i < 3; i++) acks.push(await emit(socket, 'chat:send', { message: 'hi there', params: long }));
  expect(acks.every((a) => a.accepted)).toBe(true);
  const third = await client(server);
  sockets.push(third);
  const refused = await emit(third, 'chat:send', { message: 'hi there' });
  expect(refused.error).toMatchObject({ code: 'too_many_pending', message: expect.stringMatching(/your address already has 6 replies queued or running \(at most 6, over all its connections\)/) });
  const http = await raw(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers: { 'content-type': 'application/json' } });
  expect(http.status).toBe(429);
  expect(JSON.parse(http.body).error.code).toBe('too_many_pending');
  // A finished (here: cancelled) request frees its place.
  const watcher = watchReplies(opened[0]);
  await emit(opened[0], 'chat:cancel', { requestId: acks[0].requestId });
  await watcher.finished(acks[0].requestId!);
  const freed = await emit(third, 'chat:send', { message: 'hi there', params: { maxTokens: 1 } });
  expect(freed.accepted).toBe(true);
  for (const a of acks.slice(1)) await emit(a === acks[1] || a === acks[2] ? opened[0] : opened[1], 'chat:cancel', { requestId: a.requestId });
}, 30_000);

test('a JSON body that is not an object is "must be a JSON object", not "not valid JSON"', async () => {
  for (const body of ['null', '"hi"', '[]', '42', 'true']) {
    const response = await raw(server.url, '/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect({ body, status: response.status }).toEqual({ body, status: 400 });
    expect({ body, message: JSON.parse(response.body).error.message }).toEqual({ body, message: expect.stringMatching(/^the request body must be a JSON object/) });
  }
  const broken = await raw(server.url, '/v1/chat/completions', { method: 'POST', body: '{"messages": [', headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(broken.body).error.message).toMatch(/not valid JSON/);
});

test('binding a non-loopback address without an API key is warned about', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) expect(exposureWarning({ host })).toMatch(/--api-key/);
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(exposureWarning({ host })).toBeUndefined();
  expect(exposureWarning({ host: '0.0.0.0', apiKey: KEY })).toBeUndefined();
});
