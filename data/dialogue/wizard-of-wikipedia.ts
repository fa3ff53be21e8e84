/**
 * Reader of Wizard of Wikipedia in ParlAI's JSON (train.json, valid_random_split.json, ...): a list of
 * dialogues `{chosen_topic, persona, wizard_eval, dialog: [{speaker: "0_Wizard" | "1_Apprentice",
 * text, retrieved_passages, checked_sentence, ...}], chosen_topic_passage}`. The file is streamed
 * element by element (train.json is large). Speakers lose their "0_"/"1_" prefix: "Wizard",
 * "Apprentice". Knowledge fields are not kept.
 */

import { basename } from 'node:path';
import { z } from 'zod';
import type { Episode, Turn } from './episode.js';
import { DatasetFormatError } from '../errors.js';
import { describeZodError } from './json-text.js';
import { streamJsonArray } from './json-array-stream.js';

export const WOW_SPLITS = ['train', 'valid_random_split', 'valid_topic_split', 'test_random_split', 'test_topic_split'] as const;
export type WizardOfWikipediaSplit = (typeof WOW_SPLITS)[number];

const Dialogue = z.object({
  chosen_topic: z.string().optional(),
  dialog: z.array(z.object({ speaker: z.string(), text: z.string() }).passthrough()),
}).passthrough();

export interface WizardOfWikipediaOptions {
  /** Start each episode with a turn {speaker: "topic", text: chosen_topic}, as ParlAI's teachers do. */
  includeTopic?: boolean;
}

export async function readWizardOfWikipedia(path: string, options: WizardOfWikipediaOptions = {}): Promise<Episode[]> {
  const prefix = basename(path).replace(/\.json$/, '');
  const episodes: Episode[] = [];
  for await (const { index, line, value } of streamJsonArray(path)) {
    const parsed = Dialogue.safeParse(value);
    if (!parsed.success) throw new DatasetFormatError(path, { line, entry: index }, describeZodError(parsed.error));
    const turns: Turn[] = [];
    if (options.includeTopic && parsed.data.chosen_topic !== undefined) {
      turns.push({ speaker: 'topic', text: parsed.data.chosen_topic });
    }
    for (const t of parsed.data.dialog) turns.push({ speaker: t.speaker.replace(/^\d+_/, ''), text: t.text.trim() });
    episodes.push({ id: `${prefix}-${index}`, turns });
  }
  return episodes;
}
