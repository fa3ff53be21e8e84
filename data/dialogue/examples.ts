/**
 * Episodes -> training examples (DESIGN §5): every turn after the first is a response, and the
 * turns before it are its context. Token-level truncation of the context happens later, on turn
 * boundaries (see fit-context.ts), once a tokenizer has measured the turns.
 */

import type { Episode, Turn } from './episode.js';

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
