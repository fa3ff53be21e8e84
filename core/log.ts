/**
 * The project's logger (pino, to stderr so that commands can print results on stdout).
 * DEMI_LOG_LEVEL sets the level (default info; tests run with warn).
 */
import { pino } from 'pino';

export const log = pino(
  { name: 'demi', level: process.env.DEMI_LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'warn' : 'info') },
  pino.destination(2),
);
