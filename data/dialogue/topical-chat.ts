/**
 * Reader of Topical-Chat conversation files (alexa/Topical-Chat conversations/*.json): a JSON object
 * `{conversation_id: {article_url, config, content: [{message, agent, sentiment, ...}], ...}}`.
 * Speakers are the agents ("agent_1", "agent_2").
 */

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Episode } from './episode.js';
import { DatasetFormatError } from '../errors.js';
import { describeZodError, parseJsonText } from './json-text.js';

const Conversation = z.object({
  content: z.array(z.object({ message: z.string(), agent: z.string() }).passthrough()),
}).passthrough();

export function parseTopicalChat(text: string, file: string): Episode[] {
  const json = parseJsonText(text, file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DatasetFormatError(file, {}, 'top level is not an object of conversations keyed by id');
  }
  const episodes: Episode[] = [];
  for (const [id, raw] of Object.entries(json as Record<string, unknown>)) {
    const parsed = Conversation.safeParse(raw);
    if (!parsed.success) throw new DatasetFormatError(file, { entry: id }, describeZodError(parsed.error));
    episodes.push({ id, turns: parsed.data.content.map((m) => ({ speaker: m.agent, text: m.message.trim() })) });
  }
  return episodes;
}

export async function readTopicalChat(path: string): Promise<Episode[]> {
  return parseTopicalChat(await readFile(path, 'utf8'), path);
}
