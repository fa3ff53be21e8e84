/**
 * Who may talk to the server, one set of rules for the HTTP routes and the socket.io handshake:
 * the Host header must name this server (a DNS-rebound name reaches the right address under the
 * attacker's name, so the name is what gives it away), browsers must come from the server's own
 * origin, and with an API key set every client must present it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ServerError } from './errors.js';

type Headers = Record<string, string | string[] | undefined>;

export interface AccessOptions {
  /** The address the server is bound to. */
  host: string;
  allowedHosts: string[];
  apiKey?: string;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

const bare = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');

/** The host name of a Host (or Origin host) value, without port and brackets; undefined when unparsable. */
function hostName(value: string): string | undefined {
  try {
    return bare(new URL(`http://${value}`).hostname);
  } catch {
    return undefined;
  }
}

export function isLoopback(host: string): boolean {
  const name = bare(host);
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice(7) : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Why binding `host` deserves a warning at start, or undefined when it does not. */
export function exposureWarning(options: { host: string; apiKey?: string }): string | undefined {
  if (options.apiKey || isLoopback(options.host)) return undefined;
  return `listening on ${options.host}, which other machines can reach, without an API key: anyone who can reach it may use the model; pass --api-key (or set DEMI_API_KEY), or bind 127.0.0.1`;
}

/** Counts an IPv4-mapped IPv6 address as the IPv4 address it is (one client, one key). */
export function clientAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export class AccessPolicy {
  private readonly names: string[];
  private readonly keyDigest: Buffer | undefined;

  constructor(options: AccessOptions) {
    const bound = bare(options.host);
    this.names = [...(WILDCARDS.has(options.host) ? [] : [bound]), ...options.allowedHosts.map(bare)];
    this.keyDigest = options.apiKey === undefined ? undefined : digest(options.apiKey);
  }

  get requiresKey(): boolean {
    return this.keyDigest !== undefined;
  }

  /**
   * Host: IP addresses and loopback names always (rebinding needs a name the attacker controls),
   * else the bound host and the allowed names. A request without Host comes from no browser.
   */
  hostAllowed(headers: Headers): boolean {
    const header = headers.host;
    if (header === undefined) return true;
    const name = hostName(String(header));
    if (name === undefined) return false;
    if (isIP(name) !== 0 || isLoopback(name)) return true;
    return this.names.some((allowed) => (allowed.startsWith('.') ? name === allowed.slice(1) || name.endsWith(allowed) : name === allowed));
  }

  /** Browsers send Origin; only this server's own origin may use it (other clients send none). */
  sameOrigin(headers: Headers): boolean {
    const origin = headers.origin;
    if (origin === undefined) return true;
    try {
      const url = new URL(String(origin));
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === String(headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  }

  /** The refusal for a request's Host / Origin, or undefined when it may go on. */
  refusal(headers: Headers, checkOrigin: boolean): ServerError | undefined {
    if (!this.hostAllowed(headers)) {
      const shown = String(headers.host).slice(0, 100);
      return new ServerError('forbidden', `this server does not answer to the host name '${shown}': use its address, or start it with --allowed-hosts ${hostName(shown) ?? 'NAME'}`);
    }
    if (checkOrigin && !this.sameOrigin(headers)) {
      return new ServerError('forbidden', 'cross-origin requests are not allowed: browsers may use this server only from its own pages');
    }
    return undefined;
  }

  /** Compares in constant time (of digests, so the key's length does not leak either). */
  keyMatches(given: unknown): boolean {
    if (this.keyDigest === undefined) return true;
    return typeof given === 'string' && timingSafeEqual(digest(given), this.keyDigest);
  }

  /** The key of an `Authorization: Bearer <key>` header, or undefined. */
  static bearer(headers: Headers): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(String(headers.authorization ?? ''));
    return match?.[1];
  }
}

export const MISSING_KEY = 'this server needs an API key: send it as Authorization: Bearer <key> (socket.io: auth: {apiKey})';
