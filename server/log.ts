/**
 * The server's logger (pino, to stderr), configured like the project's engine logger
 * (DEMI_LOG_LEVEL, default info; warn under jest). Its own instance, so the main thread does not
 * load the engine (and TF.js) just to log: only the generation workers run TF.js.
 */
import { pino } from 'pino';

export const log = pino(
  { name: 'demi', base: { component: 'server' }, level: process.env.DEMI_LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'warn' : 'info') },
  pino.destination(2),
);
