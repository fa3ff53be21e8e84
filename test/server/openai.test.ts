/**
 * @jest-environment ./test/helpers/onnxruntime-environment.cjs
 *
 * The OpenAI-compatible API, driven by the official `openai` npm client against the live server on
 * loopback (as llama.cpp's server tests do): models, chat completions with and without streaming
 * (SSE ending in [DONE]), usage, same seed -> same text (and the text TF.js decodes in this process,
 * under every sampling option), rerank, errors in OpenAI's shape, and a client abort cancelling the
 * generation; all of it with the workers decoding on TF.js and on onnxruntime (`demi serve --runtime
 * onnx`; the rerank check decodes through onnxruntime in this process too, hence the environment).
 */
import OpenAI from 'openai';
import { selectBackend } from '../../model/engine/index.js';
import { loadDialogueModel, reply } from '../../model/dialogue/index.js';
import { onnxRuntimeDecoder } from '../../model/generation/index.js';
import type { RunningServer } from '../../server/index.js';
import { SERVE_RUNTIMES } from '../../server/worker/protocol.js';
import { toGenerationConfig, resolveParams, type ChatParams } from '../../server/params.js';
import { getJson, sleep, startTestServer, until, withTimeout } from './helpers.js';
import { testModelDir } from './model-fixture.js';

let server: RunningServer;
let openai: OpenAI;

const user = (content: string) => ({ role: 'user' as const, content });

/** Non-OpenAI sampling fields (vLLM-style), sent as the client sends extra_body fields. */
type Extra = { min_tokens?: number; top_k?: number; repetition_penalty?: number; no_repeat_ngram_size?: number; rerank?: number };
type Params = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming & Extra;
type StreamParams = OpenAI.Chat.ChatCompletionCreateParamsStreaming & Extra;

describe.each(SERVE_RUNTIMES)('decoding on %s', (runtime) => {
  beforeAll(async () => {
    server = await startTestServer({ runtime });
    openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0, timeout: 15_000 });
  }, 90_000);

  afterAll(async () => {
    await server?.close();
  });

  test('models.list names the served model', async () => {
    const list = await openai.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['run-best']);
  });

  test('a non-streaming completion with usage; finish_reason length at max_tokens', async () => {
    const completion = await openai.chat.completions.create({
      model: 'run-best', messages: [user('hi there')], max_tokens: 5, min_tokens: 5, seed: 3,
    } as Params);
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe('run-best');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0].message.role).toBe('assistant');
    expect(completion.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.usage).toMatchObject({ completion_tokens: 5 });
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + 5);

    const natural = await openai.chat.completions.create({ model: 'run-best', messages: [user('hi there')], temperature: 0 });
    expect(natural.choices[0].finish_reason).toBe('stop'); // the toy model ends its greeting with EOS
  });

  test('streaming gives chat.completion.chunk objects equal to the non-streamed text for the same seed', async () => {
    const request = { model: 'run-best', messages: [user('hi there'), { role: 'assistant' as const, content: 'hi , how can i help ?' }, user('what colour is the rose ?')], seed: 11, temperature: 1, max_tokens: 30, min_tokens: 20 };
    const whole = await openai.chat.completions.create(request as Params);
    const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } } as StreamParams);
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(whole.choices[0].message.content);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish).toHaveLength(1);
    expect(finish[0].choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
    const usage = chunks[chunks.length - 1];
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual(whole.usage);
    expect(whole.usage!.prompt_tokens).toBeGreaterThan(10); // the earlier turns are in the prompt
  });

  test('the raw SSE stream ends with data: [DONE]', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [user('thanks a lot')], stream: true, max_tokens: 8, seed: 1 }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await response.text();
    const events = body.split('\n\n').filter((e) => e.length > 0);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    expect(JSON.parse(events[events.length - 2].slice(6)).choices[0].finish_reason).toMatch(/^(stop|length)$/);
  });

  test('system messages are accepted and do not change the reply', async () => {
    const base = { model: 'run-best', seed: 9, max_tokens: 12 };
    const plain = await openai.chat.completions.create({ ...base, messages: [user('hi there')] });
    const withSystem = await openai.chat.completions.create({ ...base, messages: [{ role: 'system', content: 'You are helpful.' }, user('hi there')] });
    expect(withSystem.choices[0].message.content).toBe(plain.choices[0].message.content);
    const parts = await openai.chat.completions.create({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi ' }, { type: 'text', text: 'there' }] }] });
    expect(parts.choices[0].message.content).toBe(plain.choices[0].message.content);
  });

  test('under every sampling option the reply is the one TF.js decodes in this process with the same seed', async () => {
    // On onnxruntime the logits differ from TF.js's in the last float bits, which could flip a sampled
    // token where two candidates straddle the draw; on this model and these requests none does.
    const turns = ['hi there', 'hi , how can i help ?', 'what colour is the rose ?'];
    const requests: ChatParams[] = [
      { temperature: 0, maxTokens: 24 },
      { seed: 11, temperature: 1, maxTokens: 30, minTokens: 20 },
      { seed: 12, temperature: 0.8, topK: 20, topP: 0.9, maxTokens: 30, minTokens: 20 },
      { seed: 13, temperature: 1.2, repetitionPenalty: 1.3, noRepeatNgramSize: 2, maxTokens: 30, minTokens: 20 },
    ];
    await selectBackend();
    const loaded = await loadDialogueModel(await testModelDir());
    try {
      for (const request of requests) {
        const completion = await openai.chat.completions.create({
          model: 'run-best', messages: turns.map((content, i) => ({ role: i % 2 ? 'assistant' as const : 'user' as const, content })),
          temperature: request.temperature, top_p: request.topP, top_k: request.topK, max_tokens: request.maxTokens, min_tokens: request.minTokens,
          repetition_penalty: request.repetitionPenalty, no_repeat_ngram_size: request.noRepeatNgramSize, seed: request.seed,
        } as Params);
        const params = resolveParams(request, { maxResponseTokens: 64, maxTokensLimit: 200, demiCritic: true });
        const [expected] = await reply(loaded, [turns], toGenerationConfig(params));
        expect({ request, text: completion.choices[0].message.content }).toEqual({ request, text: expected.text });
        expect(completion.usage!.completion_tokens).toBe(expected.usage.completionTokens);
      }
    } finally {
      loaded.dispose();
    }
  });

  test('rerank returns the reply the DEMI critic chooses among the sampled candidates', async () => {
    const messages = [user('hi there'), { role: 'assistant' as const, content: 'hi , how can i help ?' }, user('what colour is the rose ?')];
    const completion = await openai.chat.completions.create({ model: 'run-best', messages, seed: 5, temperature: 1, max_tokens: 20, rerank: 4 } as Params);
    const text = completion.choices[0].message.content!;
    expect(text.length).toBeGreaterThan(0);
    // The same choice made in this process by model/dialogue's reply (same params, seed and candidates).
    await selectBackend();
    const loaded = await loadDialogueModel(await testModelDir());
    try {
      const params = resolveParams({ seed: 5, temperature: 1, maxTokens: 20, rerank: 4 }, { maxResponseTokens: 64, maxTokensLimit: 200, demiCritic: true });
      // the candidates sampled through the server's runtime, the critic on TF.js, as in the worker
      const onnx = runtime === 'onnx' ? await onnxRuntimeDecoder(loaded.model) : undefined;
      try {
        const config = toGenerationConfig(params, [loaded.format.eosId, loaded.format.sepId]);
        const [expected] = await reply(loaded, [messages.map((m) => m.content)], config, { rerank: 4, decoder: onnx?.decoder });
        expect(text).toBe(expected.text);
      } finally {
        await onnx?.release();
      }
    } finally {
      loaded.dispose();
    }
    // A model trained without a critic cannot rerank: a clear error, not a silent fallback.
    expect(() => resolveParams({ rerank: 4 }, { maxResponseTokens: 64, maxTokensLimit: 200, demiCritic: false })).toThrow(/needs a DEMI critic/);
    // Streaming sends the choice whole, once it is made.
    const stream = await openai.chat.completions.create({ model: 'run-best', messages, seed: 5, temperature: 1, max_tokens: 20, rerank: 4, stream: true } as StreamParams);
    const deltas: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
    expect(deltas).toEqual([text]);
  });

  test('invalid requests are refused with OpenAI-shaped errors', async () => {
    const refuse = async (params: Record<string, unknown>, status: number, code: string, message: RegExp) => {
      const error = await openai.chat.completions.create({ model: 'run-best', messages: [user('hi')], ...params } as unknown as Params).then(
        () => { throw new Error(`accepted: ${JSON.stringify(params)}`); },
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(status);
      expect(apiError.code).toBe(code);
      expect(apiError.message).toMatch(message);
    };
    await refuse({ n: 2 }, 400, 'unsupported', /one choice per request/);
    await refuse({ temperature: 5 }, 400, 'invalid_request', /temperature/);
    await refuse({ max_tokens: 100_000 }, 400, 'invalid_request', /more than this model can generate/);
    await refuse({ messages: [user('hi'), { role: 'assistant', content: 'hello' }] }, 400, 'invalid_request', /last user\/assistant message must be the user's/);
    await refuse({ messages: [] }, 400, 'invalid_request', /messages/);
    await refuse({ messages: [{ role: 'tool', content: 'x', tool_call_id: '1' }, user('hi')] }, 400, 'unsupported', /role is 'tool'/);
    await refuse({ messages: [user('   ')] }, 400, 'invalid_request', /empty/);
    await refuse({ messages: [user('x'.repeat(5000))] }, 413, 'payload_too_large', /5000 bytes; the limit is 4096/);
    await refuse({ logprobs: true }, 400, 'unsupported', /logprobs/);
    await refuse({ presence_penalty: 1 }, 400, 'unsupported', /repetition_penalty/);
    await refuse({ stop: ['a', 'b', 'c', 'd', 'e'] }, 400, 'invalid_request', /stop/);
    await refuse({ rerank: 4, temperature: 0 }, 400, 'invalid_request', /rerank chooses among sampled replies/);
    await refuse({ rerank: 100 }, 400, 'invalid_request', /rerank/);

    const raw = async (body: string, contentType = 'application/json') => {
      const response = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': contentType }, body });
      return { status: response.status, body: await response.json() };
    };
    const badJson = await raw('{"messages": [');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', message: expect.stringMatching(/not valid JSON/) });
    expect((await raw('[1, 2]')).body.error.message).toMatch(/JSON object/);
    expect((await raw('"hello"')).status).toBe(400);
    const huge = await raw(JSON.stringify({ messages: [user('y'.repeat(300_000))] }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    expect((await getJson(`${server.url}/health`)).status).toBe(200);
  });

  test('a client that aborts a stream cancels its generation', async () => {
    const cancelledBefore = server.metrics.chatRequests.get({ route: 'openai', outcome: 'cancelled' });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
      body: JSON.stringify({ messages: [user('hi there')], stream: true, max_tokens: 200, min_tokens: 200, seed: 1 }),
    });
    const reader = response.body!.getReader();
    let received = '';
    for (let reads = 0; reads < 1000 && (received.match(/"content":"[^"]/g) ?? []).length < 3; reads++) {
      const { value, done } = await withTimeout(reader.read(), 5000, 'the next SSE chunk');
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    expect((received.match(/"content":"[^"]/g) ?? []).length).toBeGreaterThanOrEqual(3);
    controller.abort();
    await until(() => server.metrics.chatRequests.get({ route: 'openai', outcome: 'cancelled' }) > cancelledBefore, 2000, 'cancellation after the client aborted');
    expect((await getJson(`${server.url}/health`)).body.queue.active).toBe(0);

    // Non-streaming too: the client gives up waiting.
    const before = server.metrics.chatRequests.get({ route: 'openai', outcome: 'cancelled' });
    const impatient = new AbortController();
    const pending = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: impatient.signal,
      body: JSON.stringify({ messages: [user('hi there')], max_tokens: 200, min_tokens: 200, seed: 1 }),
    }).then(() => 'answered', (err: Error) => err.name);
    await sleep(100);
    impatient.abort();
    expect(await pending).toBe('AbortError');
    await until(() => server.metrics.chatRequests.get({ route: 'openai', outcome: 'cancelled' }) > before, 2000, 'cancellation of an abandoned non-streaming request');
  });
});
