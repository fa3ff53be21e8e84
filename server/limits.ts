/** Size limits on what clients send (bytes of UTF-8), shared by the socket and HTTP front ends. */
import { ServerError } from './errors.js';

export interface MessageLimits {
  /** One chat message (a turn). */
  maxMessageBytes: number;
}

/** Checks one turn's text: non-empty, within the byte limit; returns it trimmed. */
export function checkMessage(text: string, limits: MessageLimits, param = 'message'): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxMessageBytes) {
    throw new ServerError('payload_too_large', `${param} is ${bytes} bytes; the limit is ${limits.maxMessageBytes} bytes: send a shorter message`, param);
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ServerError('invalid_request', `${param} is empty: type something to say`, param);
  return trimmed;
}
