/**
 * The socket.io chat protocol (docs/ARCHITECTURE.md §8):
 *
 *   client -> server
 *     chat:send     {sessionId?, message, params?, history?}   ack {accepted: true, requestId, sessionId, queuePosition}
 *                                                     or  {accepted: false, error: {code, message, param?}}
 *                   (sent without an ack function: chat:accepted carries the same object, chat:error the error)
 *     chat:cancel   {requestId}                       ack {ok: true} or {ok: false, error}
 *     session:reset {sessionId}                       ack {ok: true, sessionId} or {ok: false, error}
 *   server -> client
 *     chat:delta    {requestId, sessionId, index, content}
 *     chat:done     {requestId, sessionId, text, finishReason: stop|length|cancelled, usage, timings, seed, contextTurns}
 *     chat:error    {requestId?, sessionId?, code, message}
 *
 * Every accepted request ends with exactly one chat:done or chat:error. Without sessionId a new
 * session starts (its id comes back in the ack); `history` (alternating user / model turns, the
 * model's last) seeds it, so that a client that keeps the conversation itself (the web page, after a
 * reload, an edit, a server restart or a reconnect that reached another instance, see `redis.ts`) makes the server see exactly what it shows. A session runs one reply at a time. A disconnect
 * cancels the socket's requests; the session's history stays for a reconnect.
 *
 * The handshake needs `auth: {apiKey}` when the server has a key (refused with `invalid_api_key`)
 * and is refused with `shutting_down` once shutdown began. A request still running when the
 * shutdown grace ends gets chat:error `shutting_down` (chat:done `cancelled` answers only the
 * client's own chat:cancel or session:reset).
 *
 * Bad input never reaches the model: unknown events, payloads of the wrong shape or size, unknown
 * sessions and floods (a token bucket per socket, another per IP for new connections) are answered
 * with an error (through the ack when there is one, else chat:error) and the socket stays usable.
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import { describeIssues, log } from '../../core/index.js';
import { clientAddress, MISSING_KEY, type AccessPolicy } from '../access.js';
import { asServerError, ServerError } from '../errors.js';
import type { Job, Sink } from '../job.js';
import { checkMessage, checkTurnBytes, type MessageLimits } from '../options.js';
import type { ModelInfo } from '../model-info.js';
import { resolveParams, ChatParamsSchema } from '../params.js';
import { KeyedRateLimiter, TokenBucket, type RateLimit } from '../rate-limit.js';
import type { ChatService } from '../chat-service.js';
import type { Session, SessionStore } from '../sessions.js';
import { z } from 'zod';

export interface ChatSocketOptions {
  limits: MessageLimits;
  /** Events per socket. */
  socketRate: RateLimit;
  /** New connections per IP address. */
  connectionRate: RateLimit;
  /** Requests one socket may have queued or running at once. */
  maxPendingPerSocket: number;
}

export interface ChatSocketDeps {
  chat: ChatService;
  access: AccessPolicy;
  shuttingDown: () => boolean;
  sessions: SessionStore;
  /** The model's facts, once loaded. */
  modelInfo: () => ModelInfo | undefined;
  /** `rerank` of a request that does not set it (the server's one default, for a loaded model). */
  defaultRerank: () => number;
}

type Ack = (response: unknown) => void;

const errorBody = (error: ServerError) => error.toJSON();

/** A refused handshake: the client's connect_error carries `data.code`. */
function refusal(error: ServerError, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(error.message), { data: { code: error.code, ...extra } });
}

export function attachChatSocket(io: Server, options: ChatSocketOptions, deps: ChatSocketDeps): void {
  const connections = new KeyedRateLimiter(options.connectionRate);
  io.use((socket, next) => {
    if (deps.shuttingDown()) {
      deps.chat.rejected('socket', 'shutting_down');
      next(refusal(new ServerError('shutting_down', 'the server is shutting down: retry in a few seconds')));
      return;
    }
    if (!deps.access.keyMatches((socket.handshake.auth as { apiKey?: unknown } | undefined)?.apiKey)) {
      deps.chat.rejected('socket', 'invalid_api_key');
      next(refusal(new ServerError('invalid_api_key', MISSING_KEY)));
      return;
    }
    const wait = connections.take(socket.handshake.address);
    if (wait > 0) {
      deps.chat.rejected('socket', 'rate_limited');
      next(refusal(new ServerError('rate_limited', `too many new connections from your address: retry in ${wait} s`), { retryAfter: wait }));
      return;
    }
    next();
  });
  io.on('connection', (socket) => handleSocket(socket, options, deps));
}

function handleSocket(socket: Socket, options: ChatSocketOptions, deps: ChatSocketDeps): void {
  const { chat, sessions } = deps;
  const address = clientAddress(socket.handshake.address);
  const bucket = new TokenBucket(options.socketRate);
  /** This socket's queued or running requests. */
  const pending = new Map<string, Session>();
  let lastFloodNotice = 0;

  const fail = (ack: Ack | undefined, error: ServerError, shape: 'send' | 'other') => {
    chat.rejected('socket', error.code);
    if (ack) ack(shape === 'send' ? { accepted: false, error: errorBody(error) } : { ok: false, error: errorBody(error) });
    else socket.emit('chat:error', errorBody(error));
  };

  socket.use((packet, next) => {
    const [event, ...args] = packet as [unknown, ...unknown[]];
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    const shape = event === 'chat:send' ? 'send' : 'other';
    if (!bucket.take()) {
      // Without an ack, tell a flooding client at most once a second instead of echoing the flood.
      const now = Date.now();
      if (ack || now - lastFloodNotice > 1000) {
        lastFloodNotice = now;
        fail(ack, new ServerError('rate_limited', `too many events from this connection (limit ${options.socketRate.perSecond}/s, bursts of ${options.socketRate.burst}): slow down`), shape);
      } else {
        chat.rejected('socket', 'rate_limited');
      }
      return;
    }
    if (typeof event !== 'string' || !(CLIENT_EVENTS as readonly string[]).includes(event)) {
      fail(ack, new ServerError('invalid_request', `unknown event '${String(event).slice(0, 40)}': this server handles ${CLIENT_EVENTS.join(', ')}`), shape);
      return;
    }
    next();
  });

  socket.on('chat:send', (payload: unknown, ack?: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Ack) : undefined;
    try {
      const parsed = ChatSendSchema.safeParse(payload);
      if (!parsed.success) {
        throw new ServerError('invalid_request', `chat:send needs {sessionId?: string, message: string, params?: {...}, history?: string[]}: ${describeIssues(parsed.error.issues)}`);
      }
      const { history } = parsed.data;
      if (history && parsed.data.sessionId) {
        throw new ServerError('invalid_request', 'chat:send takes either sessionId (continue that session) or history (start a new session with it), not both', 'history');
      }
      if (history && history.length % 2 !== 0) {
        throw new ServerError('invalid_request', `history must alternate user and model turns and end with the model's (got ${history.length} turns): the new message is the user's next turn`, 'history');
      }
      history?.forEach((turn, i) => checkTurnBytes(turn, options.limits, `history[${i}]`));
      const info = deps.modelInfo();
      if (!info) throw new ServerError('not_ready', 'the model is still loading: retry in a few seconds');
      const message = checkMessage(parsed.data.message, options.limits);
      if (pending.size >= options.maxPendingPerSocket) {
        throw new ServerError('too_many_pending', `this connection already has ${pending.size} replies queued or running (at most ${options.maxPendingPerSocket}): wait for one to finish or cancel it`);
      }
      const params = resolveParams(parsed.data.params ?? {}, info, 'params.', deps.defaultRerank());
      const session = parsed.data.sessionId ? sessions.get(parsed.data.sessionId) : sessions.create(history);
      if (session.activeRequest) {
        throw new ServerError('session_busy', `a reply is still being generated in this session (request ${session.activeRequest}): wait for chat:done or send chat:cancel first`, 'sessionId');
      }
      const epoch = session.epoch;
      const job: Job = { id: `req_${randomUUID()}`, turns: [...session.turns, message], params, stream: true };
      const requestId = job.id;
      let index = 0;
      const finish = () => {
        pending.delete(requestId);
        if (session.activeRequest === requestId) session.activeRequest = undefined;
      };
      const sink: Sink = (outcome) => {
        switch (outcome.kind) {
          case 'delta':
            socket.emit('chat:delta', { requestId, sessionId: session.id, index: index++, content: outcome.text });
            break;
          case 'done':
            finish();
            // A reply stopped before any token leaves no turn; a partial reply is kept, as shown.
            if (session.epoch === epoch && (outcome.finishReason !== 'cancelled' || outcome.usage.completionTokens > 0)) {
              sessions.record(session, message, outcome.text);
            }
            socket.emit('chat:done', {
              requestId, sessionId: session.id, text: outcome.text, finishReason: outcome.finishReason,
              usage: outcome.usage, timings: outcome.timings, seed: params.seed, contextTurns: outcome.promptTurns,
              ...(outcome.tokensAfterCancel !== undefined ? { tokensAfterCancel: outcome.tokensAfterCancel } : {}),
            });
            break;
          case 'error':
            finish();
            socket.emit('chat:error', { requestId, sessionId: session.id, ...outcome.error });
            break;
        }
      };
      const queuePosition = chat.submit('socket', job, sink, address);
      session.activeRequest = requestId;
      pending.set(requestId, session);
      const response = { accepted: true, requestId, sessionId: session.id, queuePosition };
      if (reply) reply(response);
      else socket.emit('chat:accepted', response);
    } catch (err) {
      if (!(err instanceof ServerError)) log.error({ err }, 'chat:send failed');
      fail(reply, asServerError(err), 'send');
    }
  });

  socket.on('chat:cancel', (payload: unknown, ack?: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Ack) : undefined;
    const parsed = ChatCancelSchema.safeParse(payload);
    if (!parsed.success) {
      fail(reply, new ServerError('invalid_request', `chat:cancel needs {requestId: string}: ${describeIssues(parsed.error.issues)}`), 'other');
      return;
    }
    const { requestId } = parsed.data;
    if (!pending.has(requestId) || !chat.cancel(requestId)) {
      fail(reply, new ServerError('unknown_request', `request '${requestId.slice(0, 80)}' is not running on this connection (it finished already, or was never sent here)`, 'requestId'), 'other');
      return;
    }
    reply?.({ ok: true });
  });

  socket.on('session:reset', (payload: unknown, ack?: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Ack) : undefined;
    try {
      const parsed = SessionResetSchema.safeParse(payload);
      if (!parsed.success) throw new ServerError('invalid_request', `session:reset needs {sessionId: string}: ${describeIssues(parsed.error.issues)}`);
      const session = sessions.get(parsed.data.sessionId);
      if (session.activeRequest) chat.cancel(session.activeRequest);
      sessions.reset(session);
      reply?.({ ok: true, sessionId: session.id });
    } catch (err) {
      fail(reply, asServerError(err), 'other');
    }
  });

  socket.on('disconnect', () => {
    for (const requestId of pending.keys()) chat.cancel(requestId);
  });
}

// ---- schemas

/** zod schemas of the socket.io events clients send (docs/ARCHITECTURE.md §8). */
/** Session and request ids are ours (UUIDs with a prefix); anything longer is not one of them. */
const id = z.string().min(1).max(80);

export const ChatSendSchema = z.object({
  sessionId: id.optional(),
  message: z.string(),
  params: ChatParamsSchema.optional(),
  /** More than the sessions keep is cut from the front; the packet size limit bounds it first. */
  history: z.array(z.string()).max(1024).optional(),
}).strict();

export const ChatCancelSchema = z.object({ requestId: id }).strict();

export const SessionResetSchema = z.object({ sessionId: id }).strict();

export type ChatSend = z.infer<typeof ChatSendSchema>;

/** Events a client may send; anything else is answered with an error. */
export const CLIENT_EVENTS = ['chat:send', 'chat:cancel', 'session:reset'] as const;
