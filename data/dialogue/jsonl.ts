/**
 * The project's plain dialogue format: JSON Lines, one episode per line,
 * `{"id"?: string | number, "turns": [ "text" | {"speaker": string, "text": string}, ... ]}`.
 * String turns get alternating speakers A, B (by position). Blank lines are skipped.
 */

import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { alternatingSpeaker, type Episode, type Turn } from './episode.js';
import { DatasetFormatError } from '../errors.js';

/** Validates one parsed JSONL record; `where` locates it for errors. */
export function episodeFromJson(value: unknown, file: string, line: number): Episode {
  const fail = (problem: string) =>
    new DatasetFormatError(file, { line }, problem, 'each line must be {"turns": [string | {"speaker", "text"}, ...]}');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('not a JSON object');
  const { id, turns } = value as { id?: unknown; turns?: unknown };
  if (!Array.isArray(turns)) throw fail('"turns" is missing or not an array');
  const out: Turn[] = turns.map((t, k) => {
    if (typeof t === 'string') return { speaker: alternatingSpeaker(k), text: t };
    if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
      const { speaker, text } = t as { speaker?: unknown; text?: unknown };
      if (typeof text !== 'string') throw fail(`turns[${k}].text is missing or not a string`);
      if (speaker !== undefined && typeof speaker !== 'string') throw fail(`turns[${k}].speaker is not a string`);
      return { speaker: speaker ?? alternatingSpeaker(k), text };
    }
    throw fail(`turns[${k}] is neither a string nor {speaker, text}`);
  });
  const episode: Episode = { turns: out };
  if (id !== undefined) {
    if (typeof id !== 'string' && typeof id !== 'number') throw fail('"id" is not a string or number');
    episode.id = String(id);
  }
  return episode;
}

/** Reads a JSONL dialogue file line by line (bounded memory). */
export async function readJsonl(path: string): Promise<Episode[]> {
  const episodes: Episode[] = [];
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DatasetFormatError(path, { line: lineNo }, `invalid JSON (${(e as Error).message})`);
    }
    episodes.push(episodeFromJson(value, path, lineNo));
  }
  return episodes;
}

/** Writes episodes as JSONL ({"id"?, "turns": [{speaker, text}]}), atomically (temp file + rename). */
export async function writeJsonl(path: string, episodes: Iterable<Episode>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'wx');
  let ok = false;
  try {
    let batch: string[] = [];
    for (const e of episodes) {
      const record = e.id === undefined ? { turns: e.turns } : { id: e.id, turns: e.turns };
      batch.push(JSON.stringify(record));
      if (batch.length >= 1000) {
        await fh.write(batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) await fh.write(batch.join('\n') + '\n');
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await rm(tmp, { force: true });
  }
  await rename(tmp, path);
}
