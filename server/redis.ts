/**
 * `demi serve --redis URL` (docs/ARCHITECTURE.md §8): server instances on any number of hosts that
 * share one Redis form one socket.io cluster through `@socket.io/redis-streams-adapter`, whose
 * broadcasts and rooms then reach the clients of every instance.
 *
 * Conversations do not live in Redis: a client's own turns are the conversation (the web page sends
 * them as `history` whenever the instance it reaches does not know its session), so an instance's
 * sessions are a cache that a lost instance or a lost Redis costs nothing but one resend.
 *
 * Redis is checked once at start (a bad URL or an unreachable server is a ServerOptionsError, with
 * what to do); once serving, a lost connection is logged and retried in the background while the
 * instance goes on serving its own clients.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { log } from '../core/index.js';
import { ServerOptionsError } from './errors.js';

const URL_HINT = 'give --redis as redis://[[user]:password@]host[:port][/db] (rediss:// for TLS), e.g. redis://127.0.0.1:6379';
/** An address that does not answer at all (a firewall dropping packets) fails in this time. */
const CONNECT_TIMEOUT_MS = 5000;
/** The longest wait between two reconnection attempts once serving. */
const MAX_RETRY_MS = 3000;
/** /health must answer even while Redis is slow: the server count is left out after this. */
const SERVER_COUNT_TIMEOUT_MS = 1000;

export interface RedisLink {
  /** The socket.io adapter factory (`new Server(http, {adapter})`). */
  adapter: ReturnType<typeof createAdapter>;
  /** Whether the connection is up now. */
  connected(): boolean;
  /**
   * socket.io servers linked through this Redis (every instance's processes, this one included),
   * or null while Redis cannot be asked.
   */
  servers(count: () => Promise<number>): Promise<number | null>;
  close(): void;
}

/** `text` as a Redis URL, or a ServerOptionsError saying what is wrong with it. */
export function parseRedisUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ServerOptionsError(`--redis '${text.slice(0, 200)}' is not a URL`, { hint: URL_HINT });
  }
  // 'localhost:6379' parses as a URL of scheme 'localhost:': the common slip of leaving the scheme out
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ServerOptionsError(`--redis '${maskPassword(url)}' is not a Redis URL (the scheme is '${url.protocol}', not redis: or rediss:)`, { hint: URL_HINT });
  }
  if (url.hostname === '') throw new ServerOptionsError(`--redis '${maskPassword(url)}' names no host`, { hint: URL_HINT });
  return url;
}

function maskPassword(url: URL): string {
  if (url.password === '') return url.href;
  const masked = new URL(url.href);
  masked.password = '***';
  return masked.href;
}

/**
 * A client of `url`, connected, or a ServerOptionsError: one failed attempt at start is an error
 * (the operator is there to read it), while a connection lost later is retried without end. The
 * adapter's own clients are duplicates of this one and share that rule.
 */
async function openClient(url: URL, where: string) {
  let serving = false;
  const client = createClient({
    url: url.href,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) => (serving ? Math.min(100 * 2 ** retries, MAX_RETRY_MS) : cause),
    },
  });
  // without a listener an 'error' event would end the process; at start the rejected connect() tells it
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    const cause = ((err as { cause?: Error }).cause ?? err) as Error;
    throw new ServerOptionsError(`cannot reach Redis at ${where}: ${cause.message}`,
      { hint: 'start Redis there (or fix the address, the password or the TLS scheme in --redis); every instance of one cluster needs the same Redis' });
  }
  serving = true;
  return client;
}

/** Checks that Redis answers at `text`, then lets it go (the cluster primary, before it forks). */
export async function checkRedis(text: string): Promise<void> {
  const url = parseRedisUrl(text);
  const client = await openClient(url, maskPassword(url));
  client.destroy();
}

/** Connects to Redis at `text` and builds the socket.io adapter over it. */
export async function connectRedis(text: string): Promise<RedisLink> {
  const url = parseRedisUrl(text);
  const where = maskPassword(url);
  const client = await openClient(url, where);
  // one line when the link goes and one when it is back, not one per failed attempt in between
  let lost = false;
  client.on('error', (err: Error) => {
    if (lost) return;
    lost = true;
    log.warn({ redis: where, err: err.message }, 'lost the connection to Redis: serving this instance\'s clients alone (broadcasts stay local) and reconnecting');
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    log.info({ redis: where }, 'connected to Redis again');
  });
  log.info({ redis: where }, 'socket.io cluster over Redis');
  return {
    adapter: createAdapter(client),
    connected: () => client.isReady,
    servers: async (count) => {
      if (!client.isReady) return null;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), SERVER_COUNT_TIMEOUT_MS); });
      // a query cut off by a lost connection or by close() is an unknown count, not an error
      return Promise.race([count().catch(() => null), late]).finally(() => clearTimeout(timer));
    },
    close: () => {
      // nothing of ours waits on Redis (no state is kept there): what is still queued can go
      if (client.isOpen) client.destroy();
    },
  };
}
