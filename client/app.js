// The chat page: wires the composer, the transcript, the saved chats, the settings panel and the
// model info to the socket.io chat (chat-client.js). No build step: plain ES modules served as they are.
import { ChatClient } from './chat-client.js';
import { ChatStore, countsAsContext, historyOf } from './chats.js';
import { renderModelInfo, watchHealth } from './model-info.js';
import { fetchServerDefaults, Settings } from './settings.js';
import { Transcript } from './transcript.js';

const $ = (selector) => document.querySelector(selector);

const ERROR_TEXT = {
  overloaded: 'The server is busy right now. Try again in a moment.',
  rate_limited: 'You are sending messages very fast. Wait a second and try again.',
  not_ready: 'The model is still loading. Try again in a few seconds.',
  shutting_down: 'The server is restarting. Try again shortly.',
  payload_too_large: 'That message is too long. Try a shorter one.',
  timeout: 'No answer from the server. Check your connection and try again.',
};

async function main() {
  const serverDefaults = await fetchServerDefaults();
  const input = $('#composer-input');
  const sendButton = $('#send');
  const stopButton = $('#stop');
  const welcome = $('#welcome');
  const banner = $('#banner');
  const statusDot = $('#status .status-dot');
  const statusText = $('#status-text');
  const settingsPanel = $('#settings-panel');
  const settingsToggle = $('#settings-toggle');
  const scrim = $('#scrim');

  const chatsPanel = $('#chats-panel');
  const chatsToggle = $('#chats-toggle');
  const chatList = $('#chat-list');

  const transcript = new Transcript($('#transcript'), $('#conversation'));
  const settings = new Settings($('#settings-form'), serverDefaults);
  const client = new ChatClient();
  const store = new ChatStore();
  /** The conversation on screen; the page's copy is the one that counts (see chats.js). */
  let chat = store.get(store.currentId) ?? store.create();
  let maxBytes = 4096; // per message, in UTF-8 bytes; the server's own limit comes with /health
  const keyHint = $('#key-hint');
  const KEY_HINT = keyHint.textContent;

  /** The reply being generated: {requestId?, view, text, index, whole}. One at a time per conversation. */
  let pending = null;
  let modelReady = false;
  let keyNeeded = false;

  const setStatus = (state, text) => {
    statusDot.dataset.state = state;
    statusText.textContent = text;
  };
  const refreshStatus = () => {
    if (!client.connected && keyNeeded) setStatus('offline', 'Needs an API key');
    else if (!client.connected) setStatus('offline', 'Reconnecting…');
    else if (!modelReady) setStatus('loading', 'Loading the model…');
    else setStatus('ready', 'Online');
  };
  const showBanner = (text) => {
    banner.textContent = text ?? '';
    banner.hidden = !text;
  };
  const updateComposer = () => {
    const generating = pending !== null;
    const online = client.connected;
    sendButton.hidden = generating;
    stopButton.hidden = !generating;
    const text = input.value.trim();
    const bytes = new TextEncoder().encode(text).length;
    // A message sent now would only fail after the ack timeout: say why instead of accepting it.
    sendButton.disabled = !online || text.length === 0 || bytes > maxBytes;
    sendButton.title = online ? 'Send (Enter)' : 'Not connected to the server';
    for (const chip of document.querySelectorAll('.chip')) chip.disabled = !online;
    transcript.setActionsEnabled(online && !generating);
    keyHint.textContent = !online
      ? (keyNeeded ? 'Sending needs the API key' : 'Not connected to the server: sending resumes when the connection is back')
      : bytes > maxBytes
        ? `Too long to send: ${bytes.toLocaleString('en')} of ${maxBytes.toLocaleString('en')} bytes`
        : bytes > maxBytes * 0.8 ? `${bytes.toLocaleString('en')} / ${maxBytes.toLocaleString('en')} bytes` : KEY_HINT;
    keyHint.classList.toggle('over-limit', online && bytes > maxBytes);
    keyHint.classList.toggle('offline', !online);
  };
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 180)}px`;
  };

  const handlers = { onRegenerate: (index) => void resendFrom(index - 1, chat.turns[index - 1].text) };
  const onEdit = (index, text) => void resendFrom(index, text);

  /** Shows `chat` whole (a restored or switched-to chat, or one cut short by an edit). */
  function render() {
    transcript.clear();
    chat.turns.forEach((turn, index) => {
      if (turn.role === 'user') transcript.addUser(turn.text, index, onEdit);
      else transcript.addBotTurn(turn, index, handlers);
    });
    transcript.markContext(chat.turns, chat.seenFrom ?? 0);
    welcome.hidden = chat.turns.length > 0;
    updateComposer();
  }

  /** Drops the turns from `index` on and sends `text` as the user's turn there. */
  async function resendFrom(index, text) {
    if (pending || !client.connected) return;
    chat.turns = chat.turns.slice(0, index);
    chat.seenFrom = Math.min(chat.seenFrom ?? 0, index);
    store.save(chat);
    // the server's session still holds the dropped turns: the next message starts one from ours
    void client.reset();
    render();
    renderChatList();
    await send(text);
  }

  async function send(text) {
    if (pending || !text || !client.connected) return;
    welcome.hidden = true;
    const index = chat.turns.length;
    const params = settings.params();
    const message = transcript.addUser(text, index, onEdit);
    const view = transcript.addReply({ choosing: params.rerank ?? 0 });
    pending = { requestId: undefined, view, text, index, whole: (params.rerank ?? 0) > 1 };
    input.value = '';
    autosize();
    updateComposer();
    const ack = await client.send(text, params, historyOf(chat.turns));
    if (!ack.accepted) {
      pending = null;
      view.element.remove();
      const code = ack.error?.code;
      transcript.addError(ERROR_TEXT[code] ?? ack.error?.message ?? 'Something went wrong.', () => {
        message.remove();
        void send(text);
      });
      updateComposer();
      return;
    }
    if (pending?.view === view) {
      pending.requestId = ack.requestId;
      view.setRequest(ack.requestId, ack.queuePosition);
      if (pending.cancelWhenAccepted) void client.cancel(ack.requestId);
    }
  }

  /** Keeps the finished reply (and the message it answers) in the chat. */
  function record(done) {
    const { view, text, index } = pending;
    view.finish(done);
    chat.turns.splice(index, chat.turns.length - index,
      { role: 'user', text },
      { role: 'bot', text: view.text(), finishReason: done.finishReason, tokens: done.usage?.completionTokens ?? 0, tokensPerSecond: done.timings?.tokensPerSecond ?? null });
    if (done.contextTurns > 0) {
      // the model saw the last contextTurns turns of the history it was given, and the message
      const seen = [];
      for (let i = 0; i + 1 < index; i += 2) if (countsAsContext(chat.turns, i)) seen.push(i, i + 1);
      seen.push(index);
      chat.seenFrom = done.contextTurns < seen.length ? seen[seen.length - done.contextTurns] : 0;
    }
    view.settle(index + 1, handlers);
    store.save(chat);
    store.currentId = chat.id;
    transcript.markContext(chat.turns, chat.seenFrom ?? 0);
    renderChatList();
  }

  function stop() {
    if (!pending) return;
    if (pending.requestId) void client.cancel(pending.requestId);
    else pending.cancelWhenAccepted = true;
  }

  client.addEventListener('delta', ({ detail }) => {
    if (pending && detail.requestId === pending.requestId) pending.view.append(detail.content);
  });
  client.addEventListener('done', ({ detail }) => {
    if (!pending || detail.requestId !== pending.requestId) return;
    const dropped = pending.whole && detail.finishReason === 'cancelled';
    record(detail);
    // the server kept the stopped candidate the page does not show: start again from the page's turns
    if (dropped) void client.reset();
    pending = null;
    updateComposer();
    if (document.activeElement === stopButton || document.activeElement === document.body) input.focus();
  });
  client.addEventListener('error', ({ detail }) => {
    if (pending && (!detail.requestId || detail.requestId === pending.requestId)) {
      pending.view.fail(ERROR_TEXT[detail.code] ?? detail.message);
      pending = null;
      updateComposer();
    } else if (!detail.requestId) {
      transcript.addError(ERROR_TEXT[detail.code] ?? detail.message);
    }
  });
  const keyForm = $('#api-key-form');
  const keyInput = $('#api-key-input');
  client.addEventListener('key-needed', ({ detail }) => {
    keyNeeded = true;
    $('#api-key-label').textContent = detail.rejected
      ? 'The server did not accept that API key. Enter the right one to chat.'
      : 'This server needs an API key to chat.';
    keyForm.toggleAttribute('data-rejected', detail.rejected);
    keyForm.hidden = false;
    keyInput.value = '';
    keyInput.focus();
  });
  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) return;
    keyForm.hidden = true;
    client.useKey(key);
  });

  client.addEventListener('connection', ({ detail }) => {
    if (detail.connected) keyNeeded = false;
    refreshStatus();
    updateComposer();
    if (detail.connected) {
      showBanner(null);
      return;
    }
    showBanner(keyNeeded ? null : 'Connection lost. Reconnecting… Sending is paused until then.');
    if (pending) {
      // The server cancels a disconnected client's replies: close this one as stopped. What the
      // server kept of it is unknown, so the next message re-creates the session from the page.
      record({ finishReason: 'cancelled', text: '' });
      client.sessionId = undefined;
      pending = null;
      updateComposer();
    }
  });

  watchHealth((health) => {
    modelReady = health.ok;
    refreshStatus();
    renderModelInfo(health, { facts: $('#model-facts'), license: $('#license'), licenseNote: $('#license-note') });
    if (health.ok && health.body.model) settings.setModelLimits(health.body.model);
    if (health.body.limits?.maxMessageBytes) {
      maxBytes = health.body.limits.maxMessageBytes;
      updateComposer();
    }
  });

  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    void send(input.value.trim());
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send(input.value.trim());
    }
  });
  input.addEventListener('input', () => {
    autosize();
    updateComposer();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      if (pending) stop();
      else if (!settingsPanel.hidden) toggleSettings(false);
      else if (!chatsPanel.hidden) toggleChats(false);
    }
  });
  stopButton.addEventListener('click', stop);

  /** Makes `next` the chat on screen; the server forgets the previous one's session. */
  async function open(next) {
    stop();
    pending = null;
    await client.reset();
    chat = next;
    store.currentId = chat.turns.length > 0 ? chat.id : undefined;
    render();
    renderChatList();
    input.focus();
  }

  function renderChatList() {
    const chats = store.list();
    $('#chat-list-empty').hidden = chats.length > 0;
    chatList.replaceChildren(...chats.map((c) => {
      const item = document.createElement('li');
      item.className = 'chat-entry';
      if (c.id === chat.id) item.setAttribute('aria-current', 'true');
      const openButton = document.createElement('button');
      openButton.type = 'button';
      openButton.className = 'chat-open';
      const title = document.createElement('span');
      title.className = 'chat-title';
      title.textContent = c.title || 'Untitled chat';
      const when = document.createElement('span');
      when.className = 'chat-when';
      when.textContent = `${new Date(c.updatedAt).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })} · ${Math.ceil(c.turns.length / 2)} messages`;
      openButton.append(title, when);
      openButton.addEventListener('click', () => {
        void open(store.get(c.id) ?? store.create());
        if (window.matchMedia('(max-width: 720px)').matches) toggleChats(false);
      });
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'chat-delete ghost-button icon-only';
      remove.setAttribute('aria-label', `Delete chat: ${title.textContent}`);
      remove.title = 'Delete this chat';
      remove.innerHTML = '<svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><path d="M5 7h14M10 7V5h4v2M7 7l1 12h8l1-12" /></svg>';
      remove.addEventListener('click', () => {
        store.delete(c.id);
        if (c.id === chat.id) void open(store.create());
        else renderChatList();
      });
      item.append(openButton, remove);
      return item;
    }));
  }

  $('#new-chat').addEventListener('click', () => void open(store.create()));
  for (const chip of document.querySelectorAll('.chip')) chip.addEventListener('click', () => void send(chip.textContent.trim()));

  // One side panel at a time: on a phone both are sheets over the chat.
  const toggleSettings = (show = settingsPanel.hidden) => {
    if (show && !chatsPanel.hidden) toggleChats(false, false);
    settingsPanel.hidden = !show;
    scrim.hidden = !show;
    settingsToggle.setAttribute('aria-expanded', String(show));
    if (show) $('#temperature').focus();
    else settingsToggle.focus();
  };
  const toggleChats = (show = chatsPanel.hidden, refocus = true) => {
    if (show && !settingsPanel.hidden) toggleSettings(false);
    chatsPanel.hidden = !show;
    scrim.hidden = !show;
    chatsToggle.setAttribute('aria-expanded', String(show));
    if (show) (chatList.querySelector('button') ?? $('#chats-close')).focus();
    else if (refocus) chatsToggle.focus();
  };
  settingsToggle.addEventListener('click', () => toggleSettings());
  $('#settings-close').addEventListener('click', () => toggleSettings(false));
  chatsToggle.addEventListener('click', () => toggleChats());
  $('#chats-close').addEventListener('click', () => toggleChats(false));
  scrim.addEventListener('click', () => {
    if (!settingsPanel.hidden) toggleSettings(false);
    if (!chatsPanel.hidden) toggleChats(false);
  });
  $('#settings-reset').addEventListener('click', () => settings.reset());

  render();
  renderChatList();
  refreshStatus();
  updateComposer();
  input.focus();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void main());
else void main();
