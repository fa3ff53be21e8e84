/**
 * Server-side chat history per session id (not per socket: a reconnect gets a new socket id). The
 * store keeps the recent turns as text; the worker fits them to the model's block on turn
 * boundaries, dropping the oldest first. Sessions are bounded in number (least recently used go
 * first) and expire when idle, so many clients cannot grow memory without limit.
 */
import { randomUUID } from 'node:crypto';
import { ServerError } from './errors.js';

export interface Session {
  id: string;
  /** Alternating user / model turns, oldest first. */
  turns: string[];
  /** The request generating a reply in this session now, if any. */
  activeRequest: string | undefined;
  /** Incremented by a reset: a reply begun before it is not recorded after it. */
  epoch: number;
  lastUsed: number;
}

export interface SessionStoreOptions {
  maxSessions: number;
  /** Turns kept per session (the block holds far fewer; more only costs memory). */
  maxTurns: number;
  idleMs: number;
}

export class SessionStore {
  /** Map order is recency order: a used session is moved to the end. */
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: SessionStoreOptions, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.sessions.size;
  }

  /** A new session; `turns` (a client's own copy of the conversation) seeds its history. */
  create(turns: readonly string[] = []): Session {
    this.expire();
    while (this.sessions.size >= this.options.maxSessions) {
      const oldest = [...this.sessions.values()].find((s) => !s.activeRequest) ?? this.sessions.values().next().value!;
      this.sessions.delete(oldest.id);
    }
    const session: Session = { id: `ses_${randomUUID()}`, turns: turns.slice(-this.options.maxTurns), activeRequest: undefined, epoch: 0, lastUsed: this.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session, or `unknown_session` (never created, expired or evicted). */
  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session || this.isExpired(session)) {
      if (session) this.sessions.delete(id);
      throw new ServerError('unknown_session',
        `session '${id.slice(0, 64)}' is not known here (it expired, the server restarted, or this connection reached another instance): send chat:send without a sessionId to start a new one, with the conversation so far as history`, 'sessionId');
    }
    session.lastUsed = this.now();
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  /** Appends a user turn and the reply to it, keeping the most recent `maxTurns`. */
  record(session: Session, user: string, reply: string): void {
    session.turns.push(user, reply);
    if (session.turns.length > this.options.maxTurns) session.turns.splice(0, session.turns.length - this.options.maxTurns);
  }

  reset(session: Session): void {
    session.turns = [];
    session.epoch++;
  }

  private isExpired(session: Session): boolean {
    return !session.activeRequest && this.now() - session.lastUsed > this.options.idleMs;
  }

  private expire(): void {
    for (const session of this.sessions.values()) if (this.isExpired(session)) this.sessions.delete(session.id);
  }
}
