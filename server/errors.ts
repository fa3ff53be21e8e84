/**
 * The server's typed errors. Each has a stable `code` (sent to socket clients and as OpenAI's
 * `error.code`), an HTTP status and a message that says what was wrong and what to do.
 */
import { DemiError } from '../core/index.js';

export type ServerErrorCode =
  | 'invalid_request'
  | 'invalid_api_key'
  | 'forbidden'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unknown_session'
  | 'unknown_request'
  | 'session_busy'
  | 'too_many_pending'
  | 'rate_limited'
  | 'overloaded'
  | 'not_ready'
  | 'shutting_down'
  | 'unsupported'
  | 'not_found'
  | 'internal';

const STATUS: Record<ServerErrorCode, number> = {
  invalid_request: 400,
  invalid_api_key: 401,
  forbidden: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_session: 404,
  unknown_request: 404,
  session_busy: 409,
  too_many_pending: 429,
  rate_limited: 429,
  overloaded: 429,
  not_ready: 503,
  shutting_down: 503,
  unsupported: 400,
  not_found: 404,
  internal: 500,
};

/**
 * An error as clients are told it (socket `chat:error`, OpenAI's `error` object). Plain data, so
 * that an error outcome crosses postMessage to and from a generation worker as it is.
 */
export interface ErrorBody {
  code: ServerErrorCode;
  message: string;
  param?: string;
}

export const httpStatus = (code: ServerErrorCode): number => STATUS[code];

export class ServerError extends DemiError implements ErrorBody {
  override name = 'ServerError';
  readonly status: number;

  constructor(readonly code: ServerErrorCode, message: string, readonly param?: string) {
    super(message);
    this.status = httpStatus(code);
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.param ? { param: this.param } : {}) };
  }
}

/** Any thrown value as a ServerError (unexpected ones become `internal`, without internals leaking). */
export function asServerError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  return new ServerError('internal', 'the server failed to handle this request; it has been logged, please try again');
}

/** Server options (`demi serve` flags, createServer's argument) that cannot be used. */
export class ServerOptionsError extends DemiError {
  override name = 'ServerOptionsError';
}
