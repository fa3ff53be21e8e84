/** The server's options (zod-validated; `demi serve` flags map onto them). */
import { z } from 'zod';
import { ServerError } from './errors.js';
import { MAX_RERANK } from './params.js';
import { SERVE_RUNTIMES } from './worker/protocol.js';

const rate = (burst: number, perSecond: number) => z.object({
  burst: z.number().int().min(1).default(burst),
  perSecond: z.number().positive().default(perSecond),
}).default({});

export const ServerOptionsSchema = z.object({
  /** A dialogue checkpoint directory (config.json, model.safetensors, tokenizer). */
  modelDir: z.string().min(1),
  /** Loopback by default: exposing the server is a deliberate choice (--host 0.0.0.0). */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Generation worker threads (each holds a copy of the model). */
  workers: z.number().int().min(1).max(16).default(1),
  /** Server processes on this machine (`--processes`): the engine's threads are split between all their workers. */
  processesOnHost: z.number().int().min(1).max(64).default(1),
  /** Requests that may wait for a worker; more are refused with `overloaded` / HTTP 429. */
  maxQueue: z.number().int().min(0).max(100_000).default(32),
  /** One chat message, in UTF-8 bytes. */
  maxMessageBytes: z.number().int().min(1).default(4096),
  /** A /v1/chat/completions body (a whole conversation). */
  maxBodyBytes: z.number().int().min(1024).default(256 * 1024),
  /** socket.io closes connections sending a single packet larger than this (zod checks the rest). */
  maxSocketPacketBytes: z.number().int().min(1024).default(64 * 1024),
  /** Requests one socket may have queued or running. */
  maxPendingPerSocket: z.number().int().min(1).default(4),
  /** Requests one IP address may have queued or running, over all its sockets and HTTP requests. */
  maxPendingPerIp: z.number().int().min(1).default(8),
  /**
   * Host names served besides loopback names, IP addresses and `host` itself (a leading dot allows
   * subdomains): any other Host header is refused, so a DNS-rebound name cannot reach the server.
   */
  allowedHosts: z.array(z.string().min(1).max(253)).default([]),
  /** When set, /v1 needs `Authorization: Bearer <apiKey>` and socket.io `auth: {apiKey}`. */
  apiKey: z.string().min(1).optional(),
  socketRate: rate(20, 5),
  connectionRate: rate(30, 5),
  httpRate: rate(30, 10),
  sessions: z.object({
    maxSessions: z.number().int().min(1).default(10_000),
    maxTurns: z.number().int().min(2).default(64),
    idleMs: z.number().int().min(1000).default(60 * 60 * 1000),
  }).default({}),
  /**
   * DEMI rerank candidates of a request that does not choose (web page and OpenAI route alike); 0
   * or 1 = off. Absent: params.ts's DEFAULT_RERANK for a model with a critic, else off.
   */
  rerank: z.number().int().min(0).max(MAX_RERANK).optional(),
  /** TF.js backend for the workers (tensorflow-gpu | tensorflow | native | wasm | cpu); default auto. */
  backend: z.string().optional(),
  /**
   * What runs the model's forward passes when decoding: 'tfjs' (the TF.js backend above) or 'onnx'
   * (onnxruntime-node on the ONNX graph each worker builds from the loaded checkpoint at start-up,
   * model/generation/onnx-decoder.ts). The DEMI critic of rerank stays on TF.js either way.
   */
  runtime: z.enum(SERVE_RUNTIMES).default('tfjs'),
  /** On shutdown, running replies get this long to finish before they are cancelled. */
  shutdownGraceMs: z.number().int().min(0).default(10_000),
  /**
   * A Redis URL shared by every instance of one socket.io cluster (`redis.ts`); absent, this
   * instance (or its --processes) is a cluster of its own.
   */
  redis: z.string().min(1).optional(),
}).strict();

export type ServerOptions = z.output<typeof ServerOptionsSchema>;
export type ServerOptionsInput = z.input<typeof ServerOptionsSchema>;

// ---- limits

/** Size limits on what clients send (bytes of UTF-8), shared by the socket and HTTP front ends. */
export interface MessageLimits {
  /** One chat message (a turn). */
  maxMessageBytes: number;
}

/** Checks a turn's size only: a model turn of history may be empty (a reply can be). */
export function checkTurnBytes(text: string, limits: MessageLimits, param: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxMessageBytes) {
    throw new ServerError('payload_too_large', `${param} is ${bytes} bytes; the limit is ${limits.maxMessageBytes} bytes: send a shorter message`, param);
  }
}

/** Checks one turn's text: non-empty, within the byte limit; returns it trimmed. */
export function checkMessage(text: string, limits: MessageLimits, param = 'message'): string {
  checkTurnBytes(text, limits, param);
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ServerError('invalid_request', `${param} is empty: type something to say`, param);
  return trimmed;
}
