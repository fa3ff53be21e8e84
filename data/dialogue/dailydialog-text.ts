/**
 * Reader of DailyDialog's original text format (dialogues_text.txt, dialogues_train.txt, ...): one
 * dialogue per line, utterances each followed by `__eou__`. Speakers are not named; they alternate
 * A, B. The original text is tokenised ("Say , Jim , ..."); it is kept as written, trimmed.
 */

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { alternatingSpeaker, type Episode } from './episode.js';
import { DatasetFormatError } from '../errors.js';

export const EOU = '__eou__';

/**
 * Parses the text of a DailyDialog file. `file` names it in errors; ids are `${idPrefix}-${n}` with n
 * the 0-based dialogue index (blank lines skipped), matching ConvLab's `original_id` ("train-0").
 */
export function parseDailyDialogText(text: string, file: string, idPrefix = 'dialogue'): Episode[] {
  const episodes: Episode[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line.length === 0) return;
    const lineNo = i + 1;
    if (!line.includes(EOU)) {
      throw new DatasetFormatError(file, { line: lineNo }, `no "${EOU}" separator on this line`, 'each line must be one dialogue whose utterances end with __eou__');
    }
    const parts = line.split(EOU).map((s) => s.trim());
    const last = parts.pop();
    if (last !== '') {
      throw new DatasetFormatError(file, { line: lineNo }, `text after the last "${EOU}": "${last!.slice(0, 40)}"`);
    }
    const empty = parts.findIndex((p) => p.length === 0);
    if (empty >= 0) throw new DatasetFormatError(file, { line: lineNo }, `utterance ${empty + 1} is empty`);
    episodes.push({
      id: `${idPrefix}-${episodes.length}`,
      turns: parts.map((t, k) => ({ speaker: alternatingSpeaker(k), text: t })),
    });
  });
  return episodes;
}

/** Reads a DailyDialog text file. Ids use the file's split name (dialogues_train.txt -> "train-0"). */
export async function readDailyDialogText(path: string): Promise<Episode[]> {
  const name = basename(path).replace(/\.txt$/, '');
  const prefix = name.startsWith('dialogues_') ? name.slice('dialogues_'.length) : name;
  return parseDailyDialogText(await readFile(path, 'utf8'), path, prefix);
}
