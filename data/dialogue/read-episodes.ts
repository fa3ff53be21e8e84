/**
 * Reads any supported dialogue file, choosing the reader by its name and first byte:
 * .jsonl -> JSONL; .txt -> DailyDialog __eou__; .zip -> ConvLab unified (needs a split);
 * .json -> Wizard of Wikipedia when the top level is a list, Topical-Chat when it is an object.
 */

import { open } from 'node:fs/promises';
import { readConvLabUnifiedZip } from './convlab.js';
import { readDailyDialogText } from './dailydialog-text.js';
import type { Episode } from './episode.js';
import { DatasetFormatError } from '../errors.js';
import { readJsonl } from './jsonl.js';
import { readTopicalChat } from './topical-chat.js';
import { readWizardOfWikipedia } from './wizard-of-wikipedia.js';

export type EpisodeFileFormat = 'jsonl' | 'dailydialog-text' | 'convlab-zip' | 'wizard-of-wikipedia' | 'topical-chat';

async function firstNonSpaceChar(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const m = /[^\s\uFEFF]/.exec(buf.toString('utf8', 0, bytesRead));
    return m ? m[0] : '';
  } finally {
    await fh.close();
  }
}

export async function detectEpisodeFileFormat(path: string): Promise<EpisodeFileFormat> {
  if (path.endsWith('.jsonl')) return 'jsonl';
  if (path.endsWith('.txt')) return 'dailydialog-text';
  if (path.endsWith('.zip')) return 'convlab-zip';
  if (path.endsWith('.json')) {
    const c = await firstNonSpaceChar(path);
    if (c === '[') return 'wizard-of-wikipedia';
    if (c === '{') return 'topical-chat';
  }
  throw new DatasetFormatError(path, {}, 'cannot tell the dialogue format from the file name and contents', 'use .jsonl, a DailyDialog .txt, a ConvLab .zip, or a WoW / Topical-Chat .json');
}

export async function readEpisodesFile(
  path: string,
  options: { format?: EpisodeFileFormat; split?: string } = {},
): Promise<Episode[]> {
  const format = options.format ?? (await detectEpisodeFileFormat(path));
  switch (format) {
    case 'jsonl':
      return readJsonl(path);
    case 'dailydialog-text':
      return readDailyDialogText(path);
    case 'convlab-zip':
      if (!options.split) throw new RangeError(`${path}: a ConvLab zip holds several splits; pass options.split`);
      return readConvLabUnifiedZip(path, options.split);
    case 'wizard-of-wikipedia':
      return readWizardOfWikipedia(path);
    case 'topical-chat':
      return readTopicalChat(path);
  }
}
