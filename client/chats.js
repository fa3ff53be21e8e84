// Conversations kept in this browser (localStorage), so that a reload or a later visit finds them.
// A chat is {id, title, updatedAt, turns, seenFrom}: turns alternate user / model, each
// {role: 'user' | 'bot', text, finishReason?, tokens?, tokensPerSecond?}; seenFrom is the index of
// the oldest turn the model saw with the last reply (older ones no longer fit its context).
// The page, not the server, owns the conversation: the server's session is re-created from these
// turns whenever the two could differ (see historyOf).

const STORAGE_KEY = 'demi.chats.v1';
const CURRENT_KEY = 'demi.currentChat';
/** Oldest chats go first beyond this: localStorage holds a few MB per origin. */
const MAX_CHATS = 50;

export class ChatStore {
  constructor() {
    this.chats = load();
  }

  /** Newest first. */
  list() {
    return [...this.chats].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  get(id) {
    return this.chats.find((c) => c.id === id);
  }

  get currentId() {
    try {
      return localStorage.getItem(CURRENT_KEY) ?? undefined;
    } catch {
      return undefined;
    }
  }

  set currentId(id) {
    try {
      if (id) localStorage.setItem(CURRENT_KEY, id);
      else localStorage.removeItem(CURRENT_KEY);
    } catch {
      // storage disabled: the chat lasts as long as the page
    }
  }

  /** A new, empty chat; it is stored once it has a turn. */
  create() {
    const id = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
    return { id, title: '', updatedAt: Date.now(), turns: [], seenFrom: 0 };
  }

  save(chat) {
    chat.updatedAt = Date.now();
    chat.title = chat.turns[0]?.text.slice(0, 80) ?? '';
    const i = this.chats.findIndex((c) => c.id === chat.id);
    if (chat.turns.length === 0) {
      if (i >= 0) this.chats.splice(i, 1);
    } else if (i >= 0) {
      this.chats[i] = chat;
    } else {
      this.chats.push(chat);
    }
    while (this.chats.length > MAX_CHATS) this.chats.splice(this.chats.indexOf(this.list().at(-1)), 1);
    this.persist();
  }

  delete(id) {
    this.chats = this.chats.filter((c) => c.id !== id);
    if (this.currentId === id) this.currentId = undefined;
    this.persist();
  }

  persist() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.chats));
    } catch {
      // full or disabled: the chats last as long as the page
    }
  }
}

function load() {
  try {
    const chats = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(chats) ? chats.filter((c) => c && typeof c.id === 'string' && Array.isArray(c.turns)) : [];
  } catch {
    return [];
  }
}

/**
 * A reply stopped before it had any text leaves no turn on the server (nor the message it answered):
 * the history the model is given skips such pairs, as the server's own session does.
 */
export function countsAsContext(turns, index) {
  const reply = turns[index].role === 'bot' ? turns[index] : turns[index + 1];
  return !(reply && reply.finishReason === 'cancelled' && !reply.text);
}

/** The turns before `end`, as chat:send's `history` (alternating, the model's last). */
export function historyOf(turns, end = turns.length) {
  const history = [];
  for (let i = 0; i + 1 < end; i += 2) {
    if (countsAsContext(turns, i)) history.push(turns[i].text, turns[i + 1].text);
  }
  return history;
}
