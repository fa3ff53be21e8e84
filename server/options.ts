/** The server's options (zod-validated; `demi serve` flags map onto them). */
import { z } from 'zod';

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
  socketRate: rate(20, 5),
  connectionRate: rate(30, 5),
  httpRate: rate(30, 10),
  sessions: z.object({
    maxSessions: z.number().int().min(1).default(10_000),
    maxTurns: z.number().int().min(2).default(64),
    idleMs: z.number().int().min(1000).default(60 * 60 * 1000),
  }).default({}),
  /** TF.js backend for the workers (tensorflow-gpu | tensorflow | native | wasm | cpu); default auto. */
  backend: z.string().optional(),
  /** On shutdown, running replies get this long to finish before they are cancelled. */
  shutdownGraceMs: z.number().int().min(0).default(10_000),
}).strict();

export type ServerOptions = z.output<typeof ServerOptionsSchema>;
export type ServerOptionsInput = z.input<typeof ServerOptionsSchema>;
