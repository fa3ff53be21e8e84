/**
 * The unit every dialogue reader produces (DESIGN §5): an episode is an ordered list of turns, each
 * a speaker label and the text spoken. Speaker labels are kept as the corpus writes them
 * ("user"/"system", "agent_1", "0_Wizard", ...); readers of formats without labels alternate "A"/"B".
 */

export interface Turn {
  speaker: string;
  text: string;
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
