// The socket.io side of the chat page: sends messages, receives streamed replies, cancels and
// resets, and keeps the session id the server gave us. Emits DOM-style events:
//   'delta' {requestId, content}, 'done' {chat:done payload}, 'error' {requestId?, code, message},
//   'connection' {connected: boolean}, 'key-needed' {rejected: boolean} (the server wants an API key;
//   rejected: the one this browser sent was wrong).

const ACK_TIMEOUT_MS = 10000;
/** The server keeps this many turns per session; the model's context holds far fewer. */
const MAX_HISTORY_TURNS = 64;
/** Below the server's socket.io packet limit (64 KiB by default), with room for the message. */
const MAX_HISTORY_BYTES = 40_000;
/** The API key, when the server needs one, lives in this browser only (sent in the handshake). */
const KEY_STORAGE = 'demi.apiKey';

function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || undefined;
  } catch {
    return undefined; // storage disabled: the key is asked for again on each visit
  }
}

export class ChatClient extends EventTarget {
  constructor() {
    super();
    /** @type {string | undefined} */
    this.sessionId = undefined;
    // socket.io's own client script (served at /socket.io/socket.io.js) defines the global `io`.
    this.apiKey = storedKey();
    // auth as a function: each (re)connection sends the key as it is then
    const auth = (send) => send(this.apiKey ? { apiKey: this.apiKey } : {});
    this.socket = window.io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 4000, auth });
    this.socket.on('connect', () => this.dispatch('connection', { connected: true }));
    this.socket.on('disconnect', () => this.dispatch('connection', { connected: false }));
    this.socket.on('connect_error', (err) => {
      // a refused handshake is not retried by socket.io: the page asks for the key, then useKey()
      if (err.data?.code === 'invalid_api_key') this.dispatch('key-needed', { rejected: this.apiKey !== undefined });
      this.dispatch('connection', { connected: false });
    });
    this.socket.on('chat:delta', (payload) => this.dispatch('delta', payload));
    this.socket.on('chat:done', (payload) => this.dispatch('done', payload));
    this.socket.on('chat:error', (payload) => this.dispatch('error', payload));
  }

  get connected() {
    return this.socket.connected;
  }

  /** Keeps the key in this browser and connects with it. */
  useKey(key) {
    this.apiKey = key;
    try {
      localStorage.setItem(KEY_STORAGE, key);
    } catch {
      // kept for this page only
    }
    this.socket.connect();
  }

  /**
   * Sends a message; resolves with the server's ack: {accepted: true, requestId, queuePosition} or
   * {accepted: false, error}. `history` is the conversation before it as the page keeps it: it
   * seeds a new server session when there is none (first message, after forget() or a reload) or
   * the server no longer knows ours (it restarted, the session expired, or a reconnect reached another
   * instance of a cluster: the server's sessions are a cache of what the page keeps).
   */
  async send(message, params, history = []) {
    let ack;
    if (this.sessionId) {
      ack = await this.emit('chat:send', { sessionId: this.sessionId, message, params });
      if (ack.accepted || ack.error?.code !== 'unknown_session') return this.adopt(ack);
      this.sessionId = undefined;
    }
    const recent = trimHistory(history);
    return this.adopt(await this.emit('chat:send', { message, params, ...(recent.length > 0 ? { history: recent } : {}) }));
  }

  adopt(ack) {
    if (ack.accepted) this.sessionId = ack.sessionId;
    return ack;
  }

  cancel(requestId) {
    return this.emit('chat:cancel', { requestId });
  }

  /**
   * Forgets the conversation on the server: the next message starts a new session (seeded with the
   * page's history), for when the page's conversation and the server's could differ.
   */
  async reset() {
    const sessionId = this.sessionId;
    this.sessionId = undefined;
    if (sessionId && this.connected) await this.emit('session:reset', { sessionId });
  }

  async emit(event, payload) {
    try {
      return await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      const error = { code: 'timeout', message: this.connected ? 'the server did not answer in time' : 'not connected to the server' };
      return { accepted: false, ok: false, error };
    }
  }

  dispatch(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** The most recent turns that fit one packet, cut on a user turn so that they still alternate. */
function trimHistory(history) {
  let recent = history.slice(-MAX_HISTORY_TURNS);
  const size = (turns) => new TextEncoder().encode(JSON.stringify(turns)).length;
  while (recent.length > 0 && size(recent) > MAX_HISTORY_BYTES) recent = recent.slice(2);
  return recent;
}
