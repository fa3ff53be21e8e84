/** Errors in the OpenAI API's shape: {"error": {"message", "type", "param", "code"}}. */
import type { Response } from 'express';
import type { ServerError } from '../errors.js';

function openAiType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function openAiErrorBody(error: ServerError): { error: { message: string; type: string; param: string | null; code: string } } {
  return { error: { message: error.message, type: openAiType(error.status), param: error.param ?? null, code: error.code } };
}

export function sendOpenAiError(res: Response, error: ServerError, retryAfterS?: number): void {
  if (retryAfterS !== undefined) res.setHeader('Retry-After', String(retryAfterS));
  res.status(error.status).json(openAiErrorBody(error));
}
