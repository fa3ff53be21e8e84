/**
 * POST /v1/chat/completions, compatible with OpenAI's API: a `chat.completion` object, or with
 * `stream: true` an SSE stream of `chat.completion.chunk` objects ending in `data: [DONE]`. The
 * route is stateless (the client sends the whole conversation). A client that goes away (closes the
 * connection) cancels its generation. A reply that ends in an error (shutdown after the grace
 * period, a worker that died) is still ended explicitly: non-streaming as the error's status and
 * OpenAI error object; streaming, whose 200 is already sent, as a last chunk with finish_reason
 * 'length' (the reply is cut short), the error object as an event, then `data: [DONE]`.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { log } from '../../core/index.js';
import type { ChatService } from '../chat-service.js';
import { asServerError, ServerError } from '../errors.js';
import type { Job, Sink, Usage } from '../job.js';
import type { MessageLimits } from '../options.js';
import type { ModelInfo } from '../model-info.js';
import { resolveParams, type ResolvedParams } from '../params.js';
import { openAiErrorBody, sendOpenAiError, parseChatCompletion, SseStream } from './openai.js';

export interface ChatCompletionsDeps {
  chat: ChatService;
  /** The client's address, for the per-address limit of pending requests. */
  address: (req: Request) => string;
  limits: MessageLimits;
  modelInfo: () => ModelInfo | undefined;
  /** `rerank` of a request that does not set it (the server's one default, for a loaded model). */
  defaultRerank: () => number;
}

const usageOf = (u: Usage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens });

export function chatCompletionsHandler(deps: ChatCompletionsDeps) {
  return (req: Request, res: Response): void => {
    let parsed: ReturnType<typeof parseChatCompletion>;
    let info: ModelInfo | undefined;
    let params: ResolvedParams;
    try {
      parsed = parseChatCompletion(req.body, deps.limits);
      info = deps.modelInfo();
      if (!info) throw new ServerError('not_ready', 'the model is still loading: retry in a few seconds (GET /health says when it is ready)');
      params = resolveParams(parsed.params, info, '', deps.defaultRerank());
    } catch (err) {
      const error = asServerError(err);
      deps.chat.rejected('openai', error.code);
      sendOpenAiError(res, error);
      return;
    }
    const model = info.id;
    const created = Math.floor(Date.now() / 1000);
    const job: Job = { id: `chatcmpl-${randomUUID()}`, turns: parsed.turns, params, stream: parsed.stream };
    let finished = false;
    let stream: SseStream | undefined;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id: job.id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices, ...extra,
    });
    const sink: Sink = (outcome) => {
      switch (outcome.kind) {
        case 'delta':
          stream?.send(chunk([{ index: 0, delta: { content: outcome.text }, logprobs: null, finish_reason: null }]));
          break;
        case 'done':
          finished = true;
          if (outcome.finishReason === 'cancelled') {
            // Only the client's own disconnect cancels an HTTP request; nobody is left to answer.
            stream?.end();
            if (!stream && !res.headersSent) res.destroy();
          } else if (stream) {
            stream.send(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: outcome.finishReason }]));
            if (parsed.includeUsage) stream.send(chunk([], { usage: usageOf(outcome.usage) }));
            stream.done();
          } else {
            res.json({
              id: job.id, object: 'chat.completion', created, model, system_fingerprint: null,
              choices: [{ index: 0, message: { role: 'assistant', content: outcome.text, refusal: null }, logprobs: null, finish_reason: outcome.finishReason }],
              usage: usageOf(outcome.usage),
            });
          }
          break;
        case 'error':
          finished = true;
          if (stream) {
            stream.send(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }]));
            stream.send(openAiErrorBody(outcome.error));
            stream.done();
          } else if (!res.headersSent) {
            sendOpenAiError(res, outcome.error);
          }
          break;
      }
    };

    try {
      deps.chat.submit('openai', job, sink, deps.address(req));
    } catch (err) {
      const error = asServerError(err);
      if (error.code === 'internal') log.error({ err }, 'chat completion failed');
      deps.chat.rejected('openai', error.code);
      sendOpenAiError(res, error);
      return;
    }

    res.on('close', () => {
      if (!finished) deps.chat.cancel(job.id);
    });
    if (parsed.stream) {
      stream = new SseStream(res);
      stream.send(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
    }
  };
}
