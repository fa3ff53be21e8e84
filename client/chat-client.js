// The socket.io side of the chat page: sends messages, receives streamed replies, cancels and
// resets, and keeps the session id the server gave us. Emits DOM-style events:
//   'delta' {requestId, content}, 'done' {chat:done payload}, 'error' {requestId?, code, message},
//   'connection' {connected: boolean}.

const ACK_TIMEOUT_MS = 10000;

export class ChatClient extends EventTarget {
  constructor() {
    super();
    /** @type {string | undefined} */
    this.sessionId = undefined;
    // socket.io's own client script (served at /socket.io/socket.io.js) defines the global `io`.
    this.socket = window.io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 4000 });
    this.socket.on('connect', () => this.dispatch('connection', { connected: true }));
    this.socket.on('disconnect', () => this.dispatch('connection', { connected: false }));
    this.socket.on('connect_error', () => this.dispatch('connection', { connected: false }));
    this.socket.on('chat:delta', (payload) => this.dispatch('delta', payload));
    this.socket.on('chat:done', (payload) => this.dispatch('done', payload));
    this.socket.on('chat:error', (payload) => this.dispatch('error', payload));
  }

  get connected() {
    return this.socket.connected;
  }

  /**
   * Sends a message; resolves with the server's ack: {accepted: true, requestId, queuePosition} or
   * {accepted: false, error}. A session the server no longer knows (it restarted) is replaced by a
   * new one once; `sessionLost` is then true.
   */
  async send(message, params) {
    let ack = await this.emit('chat:send', { ...(this.sessionId ? { sessionId: this.sessionId } : {}), message, params });
    if (!ack.accepted && ack.error?.code === 'unknown_session') {
      this.sessionId = undefined;
      ack = await this.emit('chat:send', { message, params });
      if (ack.accepted) ack.sessionLost = true;
    }
    if (ack.accepted) this.sessionId = ack.sessionId;
    return ack;
  }

  cancel(requestId) {
    return this.emit('chat:cancel', { requestId });
  }

  /** Forgets the conversation on the server (a new session starts with the next message). */
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
