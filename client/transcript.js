// The conversation as DOM: user and model messages, notices and errors. A model reply is streamed
// into its bubble; while it streams the message is aria-busy, so screen readers (the transcript is
// an aria-live log) read it once it is complete. Messages of the stored chat carry their turn index
// (data-turn), which the actions (edit, copy, regenerate) and the context marks refer to.

import { countsAsContext } from './chats.js';

const FINISH_LABELS = { stop: null, length: 'length limit', cancelled: 'stopped' };
const STOPPED_EMPTY = 'Stopped before replying.';

export class Transcript {
  constructor(list, scroller) {
    this.list = list;
    this.scroller = scroller;
  }

  get isEmpty() {
    return this.list.children.length === 0;
  }

  clear() {
    this.list.replaceChildren();
  }

  /** A user message; `onEdit(index, text)` resends it edited (the turns after it are dropped). */
  addUser(text, index, onEdit) {
    const { item, body, bubble } = this.message('user');
    item.dataset.turn = String(index);
    bubble.textContent = text;
    const actions = this.actions(body);
    actions.append(actionButton('Edit', 'Edit message', () => this.edit(item, bubble, actions, text, (edited) => onEdit(index, edited))));
    this.append(item, true);
    return item;
  }

  /** A finished reply of a stored chat. */
  addBotTurn(turn, index, handlers) {
    const view = this.addReply();
    view.finish({ text: turn.text, finishReason: turn.finishReason, usage: { completionTokens: turn.tokens }, timings: { tokensPerSecond: turn.tokensPerSecond } });
    view.settle(index, handlers);
  }

  /** Inline editing of a user message: Send resends it edited, Cancel (or Escape) restores it. */
  edit(item, bubble, actions, text, resend) {
    const form = document.createElement('form');
    form.className = 'edit-form';
    const area = document.createElement('textarea');
    area.value = text;
    area.rows = 2;
    area.setAttribute('aria-label', 'Edit message');
    const send = document.createElement('button');
    send.type = 'submit';
    send.textContent = 'Send';
    send.className = 'edit-send';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    cancel.className = 'edit-cancel';
    const row = document.createElement('div');
    row.className = 'edit-row';
    row.append(cancel, send);
    form.append(area, row);
    const close = () => {
      item.classList.remove('editing');
      form.replaceWith(bubble);
      actions.hidden = false;
    };
    cancel.addEventListener('click', close);
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        close();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const edited = area.value.trim();
      if (edited) resend(edited);
    });
    bubble.replaceWith(form);
    actions.hidden = true;
    area.focus();
    item.classList.add('editing');
  }

  /**
   * A reply bubble, waiting (typing dots) until the first text arrives. `choosing`: the DEMI critic
   * picks among that many candidates, so nothing streams; the wait says what is happening instead.
   * `whole`: text is shown only when finished (the critic's choice; a stop then shows none of the
   * candidates, which were never compared).
   */
  addReply({ choosing = 0, whole = choosing > 1 } = {}) {
    const { item, body, bubble } = this.message('bot');
    item.setAttribute('aria-busy', 'true');
    item.dataset.state = 'waiting';
    const typing = document.createElement('span');
    typing.className = 'typing';
    typing.setAttribute('aria-label', 'demi is typing');
    typing.append(...[0, 1, 2].map(() => document.createElement('span')));
    bubble.append(typing);
    if (choosing > 1) {
      const progress = document.createElement('span');
      progress.className = 'progress';
      progress.textContent = `Choosing among ${choosing} replies…`;
      bubble.append(progress);
    }
    this.append(item, true);
    let text = '';
    let shown = '';
    const meta = document.createElement('div');
    meta.className = 'meta';
    return {
      element: item,
      /** The reply's text as shown (what the conversation keeps). */
      text: () => shown,
      /** Makes a finished reply part of the stored chat: its turn index, copy and regenerate. */
      settle: (index, { onRegenerate }) => {
        item.dataset.turn = String(index);
        const actions = this.actions(body);
        if (shown) actions.append(actionButton('Copy', 'Copy reply', (button) => copy(shown, button)));
        actions.append(actionButton('Regenerate', 'Regenerate reply', () => onRegenerate(index), 'regenerate'));
      },
      setRequest: (requestId, queuePosition) => {
        item.dataset.requestId = requestId;
        if (queuePosition > 0) typing.setAttribute('aria-label', `waiting in line (${queuePosition} ahead)`);
      },
      append: (delta) => {
        if (whole) {
          text += delta;
          return;
        }
        const stick = this.nearBottom();
        if (item.dataset.state === 'waiting') {
          bubble.replaceChildren();
          item.dataset.state = 'streaming';
        }
        text += delta;
        bubble.textContent = text;
        if (stick) this.scrollToBottom();
      },
      finish: (done) => {
        item.removeAttribute('aria-busy');
        item.dataset.state = done.finishReason === 'cancelled' ? 'cancelled' : 'done';
        // A stopped choice is a candidate the critic never compared with the others: not a reply.
        shown = whole && done.finishReason === 'cancelled' ? '' : (done.text || text).trim();
        bubble.textContent = shown;
        if (!shown) {
          bubble.textContent = done.finishReason === 'cancelled' ? STOPPED_EMPTY : '(no reply)';
          bubble.classList.add('empty-reply');
        }
        const parts = [];
        const label = FINISH_LABELS[done.finishReason];
        if (label) parts.push(tag(label));
        if (done.usage?.completionTokens) parts.push(span(`${done.usage.completionTokens} tokens`));
        // Speed means little for a handful of tokens.
        if (done.timings?.tokensPerSecond && done.usage.completionTokens >= 8) parts.push(span(`${Math.round(done.timings.tokensPerSecond)} tok/s`));
        meta.replaceChildren(...parts);
        if (parts.length) body.append(meta);
        this.scrollToBottomIfNear();
      },
      fail: (message) => {
        item.remove();
        this.addError(message);
      },
    };
  }

  /**
   * Dims the turns the model did not see with its last reply: those before `seenFrom` (they no
   * longer fit its context) and replies stopped before any text (they are no turn), with a notice
   * where the seen part begins.
   */
  markContext(turns, seenFrom) {
    this.list.querySelector('.context-divider')?.remove();
    let first;
    for (const item of this.list.querySelectorAll('[data-turn]')) {
      const index = Number(item.dataset.turn);
      if (index >= turns.length) continue;
      const unseen = index < seenFrom || !countsAsContext(turns, index);
      item.classList.toggle('unseen', unseen);
      if (index === seenFrom) first = item;
    }
    if (seenFrom > 0 && first) {
      const divider = document.createElement('li');
      divider.className = 'context-divider';
      divider.setAttribute('role', 'note');
      divider.textContent = 'Earlier turns are not seen by the model: its context holds only the turns below (a shorter max tokens leaves room for more).';
      first.before(divider);
    }
    // Only the last reply can be regenerated: the ones before it have answers after them.
    const replies = [...this.list.querySelectorAll('.message.bot[data-turn]')];
    replies.forEach((reply, i) => {
      const button = reply.querySelector('.regenerate');
      if (button) button.hidden = i !== replies.length - 1;
    });
  }

  /** Turns the actions of finished messages on or off (off while a reply is being generated). */
  setActionsEnabled(enabled) {
    for (const button of this.list.querySelectorAll('.message-actions button')) button.disabled = !enabled;
  }

  actions(body) {
    const actions = document.createElement('div');
    actions.className = 'message-actions';
    body.append(actions);
    return actions;
  }

  addNotice(text) {
    const { item, bubble } = this.message('notice');
    bubble.textContent = text;
    this.append(item, false);
  }

  addError(text, retry) {
    const { item, bubble } = this.message('error');
    item.classList.add('notice');
    item.setAttribute('role', 'alert');
    bubble.textContent = text;
    if (retry) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'retry';
      button.textContent = 'Retry';
      button.addEventListener('click', () => {
        item.remove();
        retry();
      });
      bubble.append(button);
    }
    this.append(item, true);
  }

  message(kind) {
    const item = document.createElement('li');
    item.className = `message ${kind}`;
    const body = document.createElement('div');
    body.className = 'message-body';
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    if (kind === 'bot') {
      const avatar = document.createElement('span');
      avatar.className = 'avatar';
      avatar.setAttribute('aria-hidden', 'true');
      avatar.textContent = 'd';
      item.append(avatar);
      const who = document.createElement('span');
      who.className = 'visually-hidden';
      who.textContent = 'demi:';
      body.append(who);
    } else if (kind === 'user') {
      const who = document.createElement('span');
      who.className = 'visually-hidden';
      who.textContent = 'You:';
      body.append(who);
    }
    body.append(bubble);
    item.append(body);
    return { item, body, bubble };
  }

  append(item, scroll) {
    this.list.append(item);
    if (scroll) this.scrollToBottom();
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  scrollToBottomIfNear() {
    if (this.nearBottom()) this.scrollToBottom();
  }
}

function actionButton(text, label, onClick, className) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `action${className ? ` ${className}` : ''}`;
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.addEventListener('click', () => onClick(button));
  return button;
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 1500);
}

function span(text) {
  const s = document.createElement('span');
  s.textContent = text;
  return s;
}

function tag(text) {
  const s = span(text);
  s.className = 'tag';
  return s;
}
