/**
 * POST /v1/chat/completions, compatible with OpenAI's API: a `chat.completion` object, or with
 * `stream: true` an SSE stream of `chat.completion.chunk` objects ending in `data: [DONE]`. The
 * route is stateless (the client sends the whole conversation). A client that goes away (closes the
 * connection) cancels its generation.
 */
import type { Request, Response } from 'express';
import { asServerError, ServerError } from '../errors.js';
import type { MessageLimits } from '../limits.js';
import { log } from '../../core/index.js';
import type { ModelInfo } from '../model-info.js';
import { resolveParams } from '../params.js';
import type { ChatResult, ChatService } from '../chat-service.js';
import { openAiErrorBody, sendOpenAiError } from './openai-errors.js';
import { parseChatCompletion } from './openai-schema.js';
import { SseStream } from './sse.js';

export interface ChatCompletionsDeps {
  chat: ChatService;
  limits: MessageLimits;
  modelInfo: () => ModelInfo | undefined;
}

const usageOf = (r: ChatResult) => ({ prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.totalTokens });

export function chatCompletionsHandler(deps: ChatCompletionsDeps) {
  return (req: Request, res: Response): void => {
    let parsed: ReturnType<typeof parseChatCompletion>;
    let info: ModelInfo | undefined;
    let params: ReturnType<typeof resolveParams>;
    try {
      parsed = parseChatCompletion(req.body, deps.limits);
      info = deps.modelInfo();
      if (!info) throw new ServerError('not_ready', 'the model is still loading: retry in a few seconds (GET /health says when it is ready)');
      params = resolveParams(parsed.params, info);
    } catch (err) {
      const error = asServerError(err);
      deps.chat.rejected('openai', error.code);
      sendOpenAiError(res, error);
      return;
    }
    const model = info.id;
    const created = Math.floor(Date.now() / 1000);
    let requestId = '';
    let finished = false;
    let stream: SseStream | undefined;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id: requestId, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices, ...extra,
    });

    try {
      const started = deps.chat.start({
        route: 'openai', turns: parsed.turns, params, stream: parsed.stream, idPrefix: 'chatcmpl-',
        handlers: {
          onDelta: (content) => {
            stream?.send(chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]));
          },
          onDone: (result) => {
            finished = true;
            if (result.finishReason === 'cancelled') {
              // Only the client's own disconnect cancels an HTTP request; nobody is left to answer.
              stream?.end();
              if (!stream && !res.headersSent) res.destroy();
              return;
            }
            if (stream) {
              stream.send(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: result.finishReason }]));
              if (parsed.includeUsage) stream.send(chunk([], { usage: usageOf(result) }));
              stream.done();
              return;
            }
            res.json({
              id: requestId, object: 'chat.completion', created, model, system_fingerprint: null,
              choices: [{ index: 0, message: { role: 'assistant', content: result.text, refusal: null }, logprobs: null, finish_reason: result.finishReason }],
              usage: usageOf(result),
            });
          },
          onError: (error) => {
            finished = true;
            if (stream) {
              stream.send(openAiErrorBody(error));
              stream.done();
            } else if (!res.headersSent) {
              sendOpenAiError(res, error);
            }
          },
        },
      });
      requestId = started.requestId;
    } catch (err) {
      const error = asServerError(err);
      if (error.code === 'internal') log.error({ err }, 'chat completion failed');
      deps.chat.rejected('openai', error.code);
      sendOpenAiError(res, error, error.code === 'overloaded' ? 1 : undefined);
      return;
    }

    res.on('close', () => {
      if (!finished) deps.chat.cancel(requestId);
    });
    if (parsed.stream) {
      stream = new SseStream(res);
      stream.send(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
    }
  };
}
