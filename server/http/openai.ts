/**
 * The OpenAI wire format of POST /v1/chat/completions: the request schema and its mapping onto the
 * server's parameters, errors in OpenAI's shape, and the Server-Sent Events stream.
 */
import { z } from 'zod';
import { describeIssues } from '../../core/index.js';
import { ServerError, httpStatus, type ErrorBody } from '../errors.js';
import { checkMessage, type MessageLimits } from '../options.js';
import { ChatParamsSchema, MAX_STOP_LENGTH, MAX_STOP_STRINGS, type ChatParams } from '../params.js';
import type { Response } from 'express';

export const MAX_MESSAGES = 256;

const TextPart = z.object({ type: z.string(), text: z.string().optional() }).passthrough();

const Message = z.object({
  role: z.string(),
  content: z.union([z.string(), z.array(TextPart)]).nullable().optional(),
}).passthrough();

const optional = <T extends z.ZodTypeAny>(t: T) => t.nullable().optional();

export const ChatCompletionRequestSchema = z.object({
  model: optional(z.string().max(256)),
  messages: z.array(Message).min(1).max(MAX_MESSAGES),
  temperature: optional(z.number()),
  top_p: optional(z.number()),
  max_tokens: optional(z.number()),
  max_completion_tokens: optional(z.number()),
  n: optional(z.number().int()),
  stop: optional(z.union([z.string(), z.array(z.string())])),
  stream: optional(z.boolean()),
  stream_options: optional(z.object({ include_usage: optional(z.boolean()) }).passthrough()),
  seed: optional(z.number()),
  presence_penalty: optional(z.number()),
  frequency_penalty: optional(z.number()),
  logprobs: optional(z.boolean()),
  top_logprobs: optional(z.number()),
  tools: optional(z.array(z.unknown())),
  functions: optional(z.array(z.unknown())),
  user: optional(z.string()),
  top_k: optional(z.number()),
  min_tokens: optional(z.number()),
  repetition_penalty: optional(z.number()),
  no_repeat_ngram_size: optional(z.number()),
  rerank: optional(z.number()),
}).passthrough();

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export interface ParsedCompletion {
  turns: string[];
  params: ChatParams;
  stream: boolean;
  includeUsage: boolean;
}

const unsupported = (message: string, param: string) => new ServerError('unsupported', message, param);

function contentText(content: z.infer<typeof Message>['content'], index: number): string {
  if (typeof content === 'string') return content;
  if (!content) throw new ServerError('invalid_request', `messages[${index}].content is missing: every user/assistant message needs text`, `messages[${index}].content`);
  return content.map((part, j) => {
    if (part.type !== 'text' || typeof part.text !== 'string') {
      throw unsupported(`messages[${index}].content[${j}] is of type '${part.type}': this model reads text only`, `messages[${index}].content`);
    }
    return part.text;
  }).join('');
}

export function parseChatCompletion(body: unknown, limits: MessageLimits): ParsedCompletion {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw new ServerError('invalid_request', `the request body must be a JSON object ({"messages": [...], ...}), not ${got}`);
  }
  const parsed = ChatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw new ServerError('invalid_request', `invalid request: ${describeIssues(parsed.error.issues)}`, String(parsed.error.issues[0]?.path[0] ?? ''));
  const r = parsed.data;
  if (r.n !== undefined && r.n !== null && r.n !== 1) throw unsupported(`n=${r.n}: this server generates one choice per request; send n=1 (or omit it) and repeat the request`, 'n');
  if (r.logprobs) throw unsupported('logprobs are not supported by this server', 'logprobs');
  if ((r.tools && r.tools.length > 0) || (r.functions && r.functions.length > 0)) throw unsupported('tools / function calling are not supported by this model', 'tools');
  for (const name of ['presence_penalty', 'frequency_penalty'] as const) {
    if (r[name]) throw unsupported(`${name} is not supported: use repetition_penalty (HF semantics, via extra_body) instead`, name);
  }

  const turns: string[] = [];
  r.messages.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') return;
    if (m.role !== 'user' && m.role !== 'assistant') {
      throw unsupported(`messages[${i}].role is '${m.role.slice(0, 40)}': only system, developer, user and assistant messages are supported`, `messages[${i}].role`);
    }
    const text = contentText(m.content, i);
    turns.push(m.role === 'user' ? checkMessage(text, limits, `messages[${i}].content`) : checkAssistant(text, limits, i));
  });
  const last = [...r.messages].reverse().find((m) => m.role === 'user' || m.role === 'assistant');
  if (!last || last.role !== 'user') {
    throw new ServerError('invalid_request', 'the last user/assistant message must be the user\'s: the model replies to it', 'messages');
  }

  const stop = r.stop === undefined || r.stop === null ? undefined : typeof r.stop === 'string' ? [r.stop] : r.stop;
  const candidate = {
    temperature: r.temperature ?? undefined,
    topP: r.top_p ?? undefined,
    topK: r.top_k ?? undefined,
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
    minTokens: r.min_tokens ?? undefined,
    seed: r.seed ?? undefined,
    stop: stop?.filter((s) => s.length > 0),
    repetitionPenalty: r.repetition_penalty ?? undefined,
    noRepeatNgramSize: r.no_repeat_ngram_size ?? undefined,
    rerank: r.rerank ?? undefined,
  };
  const params = ChatParamsSchema.safeParse(Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined)));
  if (!params.success) {
    const snake: Record<string, string> = { topP: 'top_p', topK: 'top_k', maxTokens: 'max_tokens', minTokens: 'min_tokens', repetitionPenalty: 'repetition_penalty', noRepeatNgramSize: 'no_repeat_ngram_size' };
    const issues = params.error.issues.map((i) => ({ ...i, path: i.path.map((p) => snake[p] ?? p) }));
    const hint = issues.some((i) => i.path[0] === 'stop') ? ` (stop: at most ${MAX_STOP_STRINGS} strings of at most ${MAX_STOP_LENGTH} characters)` : '';
    throw new ServerError('invalid_request', `invalid request: ${describeIssues(issues)}${hint}`, String(issues[0]?.path[0] ?? ''));
  }
  return { turns, params: params.data, stream: r.stream === true, includeUsage: r.stream_options?.include_usage === true };
}

/** Assistant turns (the model's own earlier replies) may be empty. */
function checkAssistant(text: string, limits: MessageLimits, i: number): string {
  if (Buffer.byteLength(text, 'utf8') > limits.maxMessageBytes) return checkMessage(text, limits, `messages[${i}].content`);
  return text.trim();
}

// ---- openai errors

/** Errors in the OpenAI API's shape: {"error": {"message", "type", "param", "code"}}. */
function openAiType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function openAiErrorBody(error: ErrorBody): { error: { message: string; type: string; param: string | null; code: string } } {
  return { error: { message: error.message, type: openAiType(httpStatus(error.code)), param: error.param ?? null, code: error.code } };
}

/** Seconds a client is told to wait (Retry-After) before it retries after a shutdown refusal. */
export const SHUTDOWN_RETRY_AFTER_S = 5;

/** Retry-After defaults to what each code suggests: a moment when busy, a restart's time when shutting down. */
export function sendOpenAiError(res: Response, error: ErrorBody, retryAfterS = defaultRetryAfter(error.code)): void {
  if (retryAfterS !== undefined) res.setHeader('Retry-After', String(retryAfterS));
  if (error.code === 'invalid_api_key') res.setHeader('WWW-Authenticate', 'Bearer realm="demi"');
  res.status(httpStatus(error.code)).json(openAiErrorBody(error));
}

function defaultRetryAfter(code: ErrorBody['code']): number | undefined {
  if (code === 'shutting_down') return SHUTDOWN_RETRY_AFTER_S;
  if (code === 'overloaded' || code === 'too_many_pending') return 1;
  return undefined;
}

// ---- sse

/**
 * A Server-Sent Events response: `data: <json>` events, keep-alive comments while nothing else is
 * sent (TGI sends them too), and the OpenAI terminator `data: [DONE]`.
 */
export class SseStream {
  private keepAlive: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly res: Response, keepAliveMs = 15_000) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    this.keepAlive.unref();
    res.on('close', () => clearInterval(this.keepAlive));
  }

  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends `data: [DONE]` and ends the response. */
  done(): void {
    this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    this.res.end();
  }

  private write(text: string): void {
    if (!this.ended && !this.res.writableEnded && !this.res.destroyed) this.res.write(text);
  }
}
