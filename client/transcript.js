// The conversation as DOM: user and model messages, notices and errors. A model reply is streamed
// into its bubble; while it streams the message is aria-busy, so screen readers (the transcript is
// an aria-live log) read it once it is complete.

const FINISH_LABELS = { stop: null, length: 'length limit', cancelled: 'stopped' };

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

  addUser(text) {
    const { item, bubble } = this.message('user');
    bubble.textContent = text;
    this.append(item, true);
  }

  /** A reply bubble, waiting (typing dots) until the first text arrives. */
  addReply() {
    const { item, body, bubble } = this.message('bot');
    item.setAttribute('aria-busy', 'true');
    item.dataset.state = 'waiting';
    const typing = document.createElement('span');
    typing.className = 'typing';
    typing.setAttribute('aria-label', 'demi is typing');
    typing.append(...[0, 1, 2].map(() => document.createElement('span')));
    bubble.append(typing);
    this.append(item, true);
    let text = '';
    const meta = document.createElement('div');
    meta.className = 'meta';
    return {
      element: item,
      setRequest: (requestId, queuePosition) => {
        item.dataset.requestId = requestId;
        if (queuePosition > 0) typing.setAttribute('aria-label', `waiting in line (${queuePosition} ahead)`);
      },
      append: (delta) => {
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
        bubble.textContent = (done.text || text).trim();
        if (!bubble.textContent) {
          bubble.textContent = done.finishReason === 'cancelled' ? 'Stopped before replying.' : '(no reply)';
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
