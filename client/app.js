// The chat page: wires the composer, the transcript, the settings panel and the model info to the
// socket.io chat (chat-client.js). No build step: plain ES modules served as they are.
import { ChatClient } from './chat-client.js';
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

  const transcript = new Transcript($('#transcript'), $('#conversation'));
  const settings = new Settings($('#settings-form'), serverDefaults);
  const client = new ChatClient();
  let maxBytes = 4096; // per message, in UTF-8 bytes; the server's own limit comes with /health
  const keyHint = $('#key-hint');
  const KEY_HINT = keyHint.textContent;

  /** The reply being generated: {requestId?, view}. One at a time per conversation. */
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
    sendButton.hidden = generating;
    stopButton.hidden = !generating;
    const text = input.value.trim();
    const bytes = new TextEncoder().encode(text).length;
    sendButton.disabled = text.length === 0 || bytes > maxBytes;
    keyHint.textContent = bytes > maxBytes
      ? `Too long to send: ${bytes.toLocaleString('en')} of ${maxBytes.toLocaleString('en')} bytes`
      : bytes > maxBytes * 0.8 ? `${bytes.toLocaleString('en')} / ${maxBytes.toLocaleString('en')} bytes` : KEY_HINT;
    keyHint.classList.toggle('over-limit', bytes > maxBytes);
  };
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 180)}px`;
  };

  async function send(text) {
    if (pending || !text) return;
    welcome.hidden = true;
    transcript.addUser(text);
    const view = transcript.addReply();
    pending = { requestId: undefined, view };
    input.value = '';
    autosize();
    updateComposer();
    const ack = await client.send(text, settings.params());
    if (!ack.accepted) {
      pending = null;
      view.element.remove();
      const code = ack.error?.code;
      transcript.addError(ERROR_TEXT[code] ?? ack.error?.message ?? 'Something went wrong.', () => send(text));
      updateComposer();
      return;
    }
    if (ack.sessionLost) transcript.addNotice('The server restarted, so earlier messages are no longer part of the conversation.');
    if (pending?.view === view) {
      pending.requestId = ack.requestId;
      view.setRequest(ack.requestId, ack.queuePosition);
      if (pending.cancelWhenAccepted) void client.cancel(ack.requestId);
    }
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
    pending.view.finish(detail);
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
    if (detail.connected) {
      showBanner(null);
      return;
    }
    showBanner(keyNeeded ? null : 'Connection lost. Reconnecting…');
    if (pending) {
      // The server cancels a disconnected client's replies: close this one as stopped.
      pending.view.finish({ finishReason: 'cancelled', text: '' });
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
    }
  });
  stopButton.addEventListener('click', stop);

  $('#new-chat').addEventListener('click', async () => {
    stop();
    pending = null;
    await client.reset();
    transcript.clear();
    welcome.hidden = false;
    updateComposer();
    input.focus();
  });
  for (const chip of document.querySelectorAll('.chip')) chip.addEventListener('click', () => void send(chip.textContent.trim()));

  const toggleSettings = (open = settingsPanel.hidden) => {
    settingsPanel.hidden = !open;
    scrim.hidden = !open;
    settingsToggle.setAttribute('aria-expanded', String(open));
    if (open) $('#temperature').focus();
    else settingsToggle.focus();
  };
  settingsToggle.addEventListener('click', () => toggleSettings());
  $('#settings-close').addEventListener('click', () => toggleSettings(false));
  scrim.addEventListener('click', () => toggleSettings(false));
  $('#settings-reset').addEventListener('click', () => settings.reset());

  refreshStatus();
  updateComposer();
  input.focus();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void main());
else void main();
