/**
 * One decoding default for every client: a server reranks with the DEMI critic by default when its
 * model has one (`demi serve --rerank N`, default 8), on the socket and the OpenAI route alike, and
 * GET /params says so; a request's own `rerank` overrides it. And a chat:send `history` seeds a new
 * session, so that a client keeping the conversation itself (the web page after a reload or an
 * edit) makes the model see what the client shows.
 */
import type { Socket } from 'socket.io-client';
import type { RunningServer } from '../../server/index.js';
import { chat, client, emit, getJson, startTestServer, watchReplies } from './helpers.js';

let server: RunningServer;
let plain: RunningServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  // rerank: undefined is the server's own default (the helper turns rerank off otherwise)
  [server, plain] = await Promise.all([startTestServer({ rerank: undefined }), startTestServer({ rerank: 0 })]);
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all([server?.close(), plain?.close()]);
});

async function completion(target: RunningServer, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seed: 5, temperature: 1, max_tokens: 20, ...body }),
  });
  expect(response.status).toBe(200);
  return (await response.json()).choices[0].message.content;
}

const hi = [{ role: 'user', content: 'hi there' }];

test('the server reranks by default (8 candidates for a model with a critic), on both routes; a request overrides it', async () => {
  expect((await getJson(`${server.url}/params`)).body.defaults.rerank).toBe(8);
  expect((await getJson(`${plain.url}/params`)).body.defaults.rerank).toBe(0);

  const byDefault = await completion(server, { messages: hi });
  expect(byDefault).toBe(await completion(server, { messages: hi, rerank: 8 }));
  expect(await completion(server, { messages: hi, rerank: 0 })).toBe(await completion(plain, { messages: hi }));
  // greedy decoding has one reply to offer: the default gives way rather than failing the request
  expect((await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: hi, temperature: 0, max_tokens: 8 }),
  })).status).toBe(200);

  // the socket (the web page) decodes the same way as the API: the critic's choice arrives whole
  const socket = await client(server);
  sockets.push(socket);
  const { reply } = await chat(socket, watchReplies(socket), { message: 'hi there', params: { seed: 5, temperature: 1, maxTokens: 20 } });
  expect(reply.done!.text).toBe(byDefault);
  expect(reply.deltas.map((d) => d.content)).toEqual([byDefault]);
}, 60_000);

test('chat:send with history starts a session holding it; history with a sessionId or of odd length is refused', async () => {
  const socket = await client(plain);
  sockets.push(socket);
  const watcher = watchReplies(socket);
  const history = ['hi there', 'hi , how can i help ?'];
  const params = { seed: 3, maxTokens: 20 };
  const first = await chat(socket, watcher, { message: 'what colour is the rose ?', params, history });
  expect(first.ack.accepted).toBe(true);
  const messages = [{ role: 'user', content: history[0] }, { role: 'assistant', content: history[1] }, { role: 'user', content: 'what colour is the rose ?' }];
  expect(first.reply.done!.text).toBe(await completion(plain, { messages, seed: 3, temperature: 0.7, max_tokens: 20 }));
  expect(first.reply.done!.contextTurns).toBe(3);

  // the session goes on from the seeded history
  const second = await chat(socket, watcher, { sessionId: first.ack.sessionId, message: 'and the apple ?', params });
  const more = [...messages, { role: 'assistant', content: first.reply.done!.text }, { role: 'user', content: 'and the apple ?' }];
  expect(second.reply.done!.text).toBe(await completion(plain, { messages: more, seed: 3, temperature: 0.7, max_tokens: 20 }));

  const both = await emit(socket, 'chat:send', { sessionId: first.ack.sessionId, message: 'hi', history });
  expect(both).toMatchObject({ accepted: false, error: { code: 'invalid_request', param: 'history' } });
  const odd = await emit(socket, 'chat:send', { message: 'hi', history: ['hi there'] });
  expect(odd).toMatchObject({ accepted: false, error: { code: 'invalid_request', param: 'history' } });
}, 60_000);
