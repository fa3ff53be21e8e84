/**
 * The unit every dialogue reader produces, and the training examples cut from it (docs/ARCHITECTURE.md
 * §5). An episode is an ordered list of turns, each a speaker label and the text spoken. Speaker
 * labels are kept as the corpus writes them ("user"/"system", "agent_1", "0_Wizard", ...); readers of
 * formats without labels alternate "A"/"B".
 *
 * Every turn after the first is a response, and the turns before it are its context. Token-level
 * truncation of the context happens later, on turn boundaries (`fitContext`), once a tokenizer has
 * measured the turns: when the context does not fit the model's block, whole turns are dropped from
 * the front (oldest first) until it does. A turn is never cut in the middle.
 */
import type { SeededRandom } from '../../core/index.js';

export interface Turn {
  speaker: string;
  text: string;
  /**
   * Annotations of the turn where the corpus has them, by name: DailyDialog's dialogue-act intent
   * (`act`) and `emotion`. Probes of the encoder predict them (docs/ARCHITECTURE.md §5).
   */
  labels?: Record<string, string>;
}

export interface Episode {
  /** Corpus id where the corpus has one (ConvLab dialogue_id, Topical-Chat key), else file:line / index. */
  id?: string;
  turns: Turn[];
}

/** Speaker labels for formats that do not name speakers: turns alternate A, B, A, ... */
export function alternatingSpeaker(turnIndex: number): string {
  return turnIndex % 2 === 0 ? 'A' : 'B';
}

/** Counts that describe a set of episodes (used by checks and reports). */
export interface EpisodeStats {
  episodes: number;
  turns: number;
  /** Examples as `episodesToExamples` makes them with default options: every turn after the first. */
  examples: number;
}

export function episodeStats(episodes: readonly Episode[]): EpisodeStats {
  let turns = 0;
  let examples = 0;
  for (const e of episodes) {
    turns += e.turns.length;
    examples += Math.max(0, e.turns.length - 1);
  }
  return { episodes: episodes.length, turns, examples };
}

// ---- examples

export interface Example {
  /** The episode's id, where it has one. */
  episodeId?: string;
  /** Index of the response turn in its episode (>= 1). */
  turnIndex: number;
  /** Previous turns, oldest first. */
  contextTurns: Turn[];
  response: Turn;
}

export interface ExampleOptions {
  /** Keep at most this many previous turns (the most recent ones). Default: all. */
  maxContextTurns?: number;
  /** Only make examples whose response is spoken by a speaker this accepts (e.g. WoW's wizard). */
  responseSpeaker?: (speaker: string) => boolean;
}

/** The examples of one episode, in turn order. An episode of n turns gives n - 1 examples. */
export function episodeToExamples(episode: Episode, options: ExampleOptions = {}): Example[] {
  const { maxContextTurns, responseSpeaker } = options;
  if (maxContextTurns !== undefined && !(Number.isInteger(maxContextTurns) && maxContextTurns >= 1)) {
    throw new RangeError(`maxContextTurns must be an integer >= 1, got ${maxContextTurns}`);
  }
  const out: Example[] = [];
  for (let i = 1; i < episode.turns.length; i++) {
    const response = episode.turns[i];
    if (responseSpeaker && !responseSpeaker(response.speaker)) continue;
    const start = maxContextTurns === undefined ? 0 : Math.max(0, i - maxContextTurns);
    const example: Example = { turnIndex: i, contextTurns: episode.turns.slice(start, i), response };
    if (episode.id !== undefined) example.episodeId = episode.id;
    out.push(example);
  }
  return out;
}

/** The examples of many episodes, episode by episode. */
export function episodesToExamples(episodes: Iterable<Episode>, options: ExampleOptions = {}): Example[] {
  const out: Example[] = [];
  for (const e of episodes) for (const x of episodeToExamples(e, options)) out.push(x);
  return out;
}

// ---- context truncation

/**
 * The index of the first context turn to keep so that the kept turns' total length is at most
 * `budget`. `lengths[i]` is turn i's length in tokens, including whatever the caller adds per turn
 * (a separator). Returns `lengths.length` (keep nothing) when even the last turn alone is too long.
 */
export function contextStartIndex(lengths: readonly number[], budget: number): number {
  if (!(budget >= 0)) throw new RangeError(`budget must be >= 0, got ${budget}`);
  let total = 0;
  for (let i = lengths.length - 1; i >= 0; i--) {
    const n = lengths[i];
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`lengths[${i}] must be an integer >= 0, got ${n}`);
    if (total + n > budget) return i + 1;
    total += n;
  }
  return 0;
}

/** The most recent whole turns whose encoded lengths sum to at most `budget`. */
export function fitContext<T>(turns: readonly T[], lengthOf: (turn: T) => number, budget: number): T[] {
  return turns.slice(contextStartIndex(turns.map(lengthOf), budget));
}

/**
 * `n` of `items` spread over their groups (conversations): one item from each group, the groups in
 * a seeded order, before a second from any; within a group the turn is seeded too. The chosen items
 * come back in their original order. The first n examples of a split are consecutive turns of a few
 * conversations (300 are ~15 DailyDialog dialogues), which is no sample of it.
 */
export function spreadSample<T>(items: readonly T[], n: number, groupOf: (item: T, index: number) => string | number, random: SeededRandom): T[] {
  const groups = new Map<string | number, number[]>();
  items.forEach((item, i) => {
    const key = groupOf(item, i);
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  const order = random.shuffle([...groups.values()].map((members) => random.shuffle([...members])));
  const chosen: number[] = [];
  for (let round = 0; chosen.length < Math.min(n, items.length); round++) {
    for (const members of order) {
      if (round < members.length && chosen.length < n) chosen.push(members[round]);
    }
  }
  return chosen.sort((a, b) => a - b).map((i) => items[i]);
}
