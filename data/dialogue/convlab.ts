/**
 * Reader of ConvLab-3 "unified" datasets: a zip holding data/dialogues.json, a list of dialogues
 * `{dataset, data_split, dialogue_id, turns: [{speaker, utterance, ...}], ...}`. This is the form of
 * DailyDialog in ../shared/data/dialogue/dailydialog (splits train / validation / test).
 */

import { z } from 'zod';
import type { Episode } from './episode.js';
import { DatasetFormatError } from '../errors.js';
import { describeZodError, parseJsonText } from './json-text.js';
import { ZipArchive } from './zip-reader.js';

const ConvLabDialogue = z.object({
  dialogue_id: z.string(),
  data_split: z.string(),
  turns: z.array(z.object({ speaker: z.string(), utterance: z.string() }).passthrough()),
}).passthrough();

/** All dialogues of a ConvLab unified zip, grouped by `data_split`, in file order. */
export async function readConvLabUnifiedZipSplits(path: string): Promise<Map<string, Episode[]>> {
  const zip = await ZipArchive.open(path);
  const member = zip.findBySuffix('dialogues.json');
  if (!member) {
    throw new DatasetFormatError(path, {}, 'no dialogues.json in the archive', 'pass a ConvLab-3 unified data.zip');
  }
  const file = `${path}!${member.name}`;
  const json = parseJsonText(zip.readText(member), file);
  if (!Array.isArray(json)) throw new DatasetFormatError(file, {}, 'top level is not a list of dialogues');
  const splits = new Map<string, Episode[]>();
  json.forEach((raw, i) => {
    const parsed = ConvLabDialogue.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { dialogue_id?: unknown } | null)?.dialogue_id;
      throw new DatasetFormatError(file, { entry: typeof id === 'string' ? id : i }, describeZodError(parsed.error));
    }
    const d = parsed.data;
    const episode: Episode = {
      id: d.dialogue_id,
      turns: d.turns.map((t) => ({ speaker: t.speaker, text: t.utterance.trim() })),
    };
    let list = splits.get(d.data_split);
    if (!list) splits.set(d.data_split, (list = []));
    list.push(episode);
  });
  return splits;
}

/** The dialogues of one split of a ConvLab unified zip. An unknown split is an error. */
export async function readConvLabUnifiedZip(path: string, split: string): Promise<Episode[]> {
  const splits = await readConvLabUnifiedZipSplits(path);
  const episodes = splits.get(split);
  if (!episodes) {
    throw new DatasetFormatError(
      path,
      {},
      `no dialogues with data_split "${split}"`,
      `the archive has splits: ${[...splits.keys()].join(', ')}`,
    );
  }
  return episodes;
}
