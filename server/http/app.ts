/**
 * The express application: the web client at `/`, GET /health, GET /metrics, GET /params, the
 * OpenAI routes under /v1, per-IP rate limiting of the chat route, and errors in OpenAI's shape for
 * /v1. In front of every route: the Host / Origin checks, and 503 once shutdown began; in front of
 * /v1: the API key; in front of the chat route: Content-Type application/json, which a browser
 * cannot send cross-site without a CORS preflight (that this server never grants).
 */
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AccessPolicy, clientAddress, MISSING_KEY } from '../access.js';
import { ServerError } from '../errors.js';
import { KeyedRateLimiter, type RateLimit } from '../rate-limit.js';
import { PROMETHEUS_CONTENT_TYPE, type ServerMetrics } from '../metrics.js';
import type { ChatService } from '../chat-service.js';
import type { MessageLimits } from '../options.js';
import type { ModelInfo } from '../model-info.js';
import { DEFAULT_PARAMS } from '../params.js';
import { chatCompletionsHandler } from './chat-completions.js';
import { healthHandler, type HealthDeps, modelsHandler } from './status.js';
import { sendOpenAiError, SHUTDOWN_RETRY_AFTER_S } from './openai.js';

export const CLIENT_DIR = fileURLToPath(new URL('../../client/', import.meta.url));

export interface AppOptions {
  limits: MessageLimits;
  maxBodyBytes: number;
  /** Requests per IP address to /v1/chat/completions. */
  httpRate: RateLimit;
  access: AccessPolicy;
}

export interface AppDeps extends Omit<HealthDeps, 'limits'> {
  chat: ChatService;
  metrics: ServerMetrics;
  modelInfo: () => ModelInfo | undefined;
  /** `rerank` of a request that does not set it, for the loaded model; undefined while none is loaded and --rerank was not given. */
  defaultRerank: () => number | undefined;
  /** Responses not yet finished (shutdown waits for the last answers to be written). */
  inFlight: Set<Response>;
}

/** Methods a browser may send cross-site without asking: they must not change anything here. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const addressOf = (req: Request) => clientAddress(req.ip ?? req.socket.remoteAddress);

/** req.path is relative to a middleware's mount point; this is the whole path. */
const underV1 = (req: Request) => `${req.baseUrl}${req.path}`.startsWith('/v1/');

/** Route label for metrics: the matched route, not the raw URL (which clients control). */
function routeLabel(req: Request): string {
  const path = req.path;
  if (path === '/health' || path === '/metrics' || path === '/params' || path === '/v1/chat/completions' || path === '/v1/models') return path;
  if (path.startsWith('/v1/models/')) return '/v1/models/:id';
  if (path.startsWith('/v1/')) return '/v1/other';
  return 'static';
}

export function createApp(options: AppOptions, deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  /** An error before a route ran: OpenAI's shape under /v1 (and counted as a refused chat), else {error}. */
  const refuse = (req: Request, res: Response, error: ServerError) => {
    if (underV1(req)) {
      deps.chat.rejected('openai', error.code);
      sendOpenAiError(res, error);
    } else {
      if (error.code === 'shutting_down') res.setHeader('Retry-After', String(SHUTDOWN_RETRY_AFTER_S));
      res.status(error.status).json({ error: error.toJSON() });
    }
  };

  app.use((req, res, next) => {
    deps.inFlight.add(res);
    res.on('close', () => deps.inFlight.delete(res));
    res.on('finish', () => deps.metrics.httpRequests.inc({ route: routeLabel(req), method: req.method, status: String(res.statusCode) }));
    res.on('close', () => {
      if (!res.writableFinished) deps.metrics.httpRequests.inc({ route: routeLabel(req), method: req.method, status: '499' });
    });
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  app.use((req, res, next) => {
    const refused = options.access.refusal(req.headers, !SAFE_METHODS.has(req.method));
    if (refused) {
      refuse(req, res, refused);
      return;
    }
    if (deps.shuttingDown()) {
      // a kept-alive connection would otherwise bring the client back to a server that is leaving
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', String(SHUTDOWN_RETRY_AFTER_S));
      // /health answers for itself (503, status shutting_down)
      if (req.path !== '/health') {
        refuse(req, res, new ServerError('shutting_down', 'the server is shutting down: retry against another instance or in a few seconds'));
        return;
      }
    }
    next();
  });

  app.get('/health', healthHandler({ ...deps, limits: options.limits }));
  app.get('/metrics', (_req, res) => {
    res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
    res.end(deps.metrics.registry.render());
  });

  // The web client's settings start from these: one definition of the defaults, not a copy per side.
  app.get('/params', (_req, res) => {
    const rerank = deps.defaultRerank();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ defaults: { ...DEFAULT_PARAMS, ...(rerank !== undefined ? { rerank } : {}) } });
  });

  const limiter = new KeyedRateLimiter(options.httpRate);
  const rateLimit = (req: Request, res: Response, next: NextFunction) => {
    const wait = limiter.take(addressOf(req));
    if (wait > 0) {
      deps.chat.rejected('openai', 'rate_limited');
      sendOpenAiError(res, new ServerError('rate_limited', `too many requests from your address (limit ${options.httpRate.perSecond}/s, bursts of ${options.httpRate.burst}): retry in ${wait} s`), wait);
      return;
    }
    next();
  };
  app.use('/v1', (req, res, next) => {
    const given = AccessPolicy.bearer(req.headers);
    if (!options.access.keyMatches(given)) {
      refuse(req, res, new ServerError('invalid_api_key', given === undefined ? MISSING_KEY : 'the API key sent is not this server\'s: check it (Authorization: Bearer <key>)'));
      return;
    }
    next();
  });
  const jsonOnly = (req: Request, res: Response, next: NextFunction) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      refuse(req, res, new ServerError('unsupported_media_type', `send the body as JSON with Content-Type: application/json (got ${type ? `'${type.slice(0, 80)}'` : 'none'})`));
      return;
    }
    next();
  };
  app.get('/v1/models', modelsHandler(deps.modelInfo));
  app.get('/v1/models/:id', modelsHandler(deps.modelInfo));
  // strict: false, so that `null` or `"hi"` reach the handler's "must be a JSON object" rather than a parse error
  app.post('/v1/chat/completions', rateLimit, jsonOnly, express.json({ limit: options.maxBodyBytes, type: () => true, strict: false }),
    chatCompletionsHandler({
      chat: deps.chat, limits: options.limits, modelInfo: deps.modelInfo, address: addressOf, defaultRerank: () => deps.defaultRerank() ?? 0,
    }));
  app.all('/v1/{*rest}', (req, res) => {
    sendOpenAiError(res, new ServerError('not_found', `no route ${req.method} ${req.path.slice(0, 100)}: this server offers GET /v1/models and POST /v1/chat/completions`));
  });

  app.use(express.static(CLIENT_DIR, {
    index: 'index.html',
    setHeaders: (res) => {
      res.setHeader('Content-Security-Policy',
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    },
  }));

  // Body-parser failures (malformed JSON, too large) and anything unexpected: never a stack trace.
  app.use((err: Error & { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    let error: ServerError;
    if (err.type === 'entity.too.large') {
      error = new ServerError('payload_too_large', `the request body is larger than ${options.maxBodyBytes} bytes: send fewer or shorter messages`);
    } else if (err.type === 'entity.parse.failed') {
      error = new ServerError('invalid_request', `the body is not valid JSON: ${err.message.slice(0, 200)}`);
    } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      error = new ServerError('invalid_request', `bad request: ${err.message.slice(0, 200)}`);
    } else {
      error = new ServerError('internal', 'the server failed to handle this request; please try again');
    }
    if (res.headersSent) {
      if (underV1(req)) deps.chat.rejected('openai', error.code);
      res.end();
      return;
    }
    refuse(req, res, error);
  });
  return app;
}
