/**
 * Readers of the dialogue corpus formats, each file -> Episode[], and `readEpisodesFile`, which picks
 * the reader by the file's name and first character. Every malformed record is a DatasetFormatError
 * naming the file and the line or entry.
 *
 * - ConvLab-3 "unified" datasets: a zip holding data/dialogues.json, a list of dialogues
 *   `{dataset, data_split, dialogue_id, turns: [{speaker, utterance, ...}], ...}`. This is the form
 *   DailyDialog is published in by ConvLab-3 (data/unified_datasets/dailydialog/data.zip; splits
 *   train / validation / test).
 *   Its text capitalises the letter after the apostrophe of some contractions ("I'Ve", "you'Ve",
 *   "I'II", "don'T": 879 of ~103k utterances in DailyDialog's file, 68 in test); the reader repairs
 *   those by default (`text: 'repaired'`, see repairContractionCasing), `'as-published'` keeps them.
 * - DailyDialog's original text format (dialogues_text.txt, dialogues_train.txt, ...): one dialogue
 *   per line, utterances each followed by `__eou__`. Speakers are not named; they alternate A, B.
 *   The original text is tokenised ("Say , Jim , ..."); it is kept as written, trimmed.
 * - Topical-Chat conversation files (alexa/Topical-Chat conversations/*.json): a JSON object
 *   `{conversation_id: {article_url, config, content: [{message, agent, sentiment, ...}], ...}}`.
 *   Speakers are the agents ("agent_1", "agent_2").
 * - Wizard of Wikipedia in ParlAI's JSON (train.json, valid_random_split.json, ...): a list of
 *   dialogues `{chosen_topic, persona, wizard_eval, dialog: [{speaker: "0_Wizard" | "1_Apprentice",
 *   text, retrieved_passages, checked_sentence, ...}], chosen_topic_passage}`. The file is streamed
 *   element by element (train.json is large). Speakers lose their "0_"/"1_" prefix: "Wizard",
 *   "Apprentice". Knowledge fields are not kept.
 * - The project's plain dialogue format: JSON Lines, one episode per line,
 *   `{"id"?: string | number, "turns": [ "text" | {"speaker": string, "text": string}, ... ]}`.
 *   String turns get alternating speakers A, B (by position). Blank lines are skipped.
 */

import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { describeIssues, streamFileAtomically } from '../../core/index.js';
import { DatasetFormatError } from '../errors.js';
import { ZipArchive } from './archives.js';
import { alternatingSpeaker, type Episode, type Turn } from './episodes.js';
import { parseJsonText, streamJsonArray } from './json.js';

/** "turns.3.utterance: Expected string, received number" for the first problem of a record. */
function firstProblem(error: z.ZodError): string {
  return describeIssues(error.issues, '', 1);
}

// ---- ConvLab-3 unified zip

const ConvLabDialogue = z.object({
  dialogue_id: z.string(),
  data_split: z.string(),
  turns: z.array(z.object({ speaker: z.string(), utterance: z.string() }).passthrough()),
}).passthrough();

/**
 * A ConvLab turn's annotations: `emotion`, and `act`, the intent of its first binary dialogue act
 * (DailyDialog gives every turn exactly one of inform / question / directive / commissive).
 */
function convLabLabels(turn: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = {};
  if (typeof turn.emotion === 'string') labels.emotion = turn.emotion;
  const acts = (turn.dialogue_acts as { binary?: { intent?: unknown }[] } | undefined)?.binary;
  if (Array.isArray(acts) && typeof acts[0]?.intent === 'string') labels.act = acts[0].intent;
  return labels;
}

function withLabels(turn: Turn, labels: Record<string, string> | undefined): Turn {
  return labels && Object.keys(labels).length > 0 ? { ...turn, labels } : turn;
}

/**
 * What the reader does to the text of a corpus: 'repaired' undoes the contraction casing of
 * ConvLab's DailyDialog (repairContractionCasing); 'as-published' keeps every character, which
 * reproduces runs made before the repair existed.
 */
export type CorpusText = 'repaired' | 'as-published';
export const CORPUS_TEXTS: readonly CorpusText[] = ['repaired', 'as-published'];

// A contraction's suffix after a letter and an apostrophe, spelled with capitals: 've as "Ve",
// 'll as "II" / "Il" (capital I for l), n't as "n'T". Only these suffixes are touched, so names
// (O'Neil, L'Oreal) and missing spaces ("Workers'Day") stay as published.
const CAPITALISED_CONTRACTION = /(?<=[A-Za-z]')(Ve|I[Il])\b|(?<=n')T\b/g;
const CONTRACTION_REPAIR: Record<string, string> = { Ve: 've', II: 'll', Il: 'll', T: 't' };

/** "I'Ve been" -> "I've been", "I'II go" -> "I'll go", "don'T" -> "don't"; every other character kept. */
export function repairContractionCasing(text: string): string {
  return text.replace(CAPITALISED_CONTRACTION, (suffix) => CONTRACTION_REPAIR[suffix]!);
}

/** All dialogues of a ConvLab unified zip, grouped by `data_split`, in file order. */
export async function readConvLabUnifiedZipSplits(
  path: string,
  options: { text?: CorpusText } = {},
): Promise<Map<string, Episode[]>> {
  const textOf = (options.text ?? 'repaired') === 'repaired' ? repairContractionCasing : (t: string) => t;
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
      throw new DatasetFormatError(file, { entry: typeof id === 'string' ? id : i }, firstProblem(parsed.error));
    }
    const d = parsed.data;
    const episode: Episode = {
      id: d.dialogue_id,
      turns: d.turns.map((t) => withLabels({ speaker: t.speaker, text: textOf(t.utterance.trim()) }, convLabLabels(t))),
    };
    let list = splits.get(d.data_split);
    if (!list) splits.set(d.data_split, (list = []));
    list.push(episode);
  });
  return splits;
}

/** The dialogues of one split of a ConvLab unified zip. An unknown split is an error. */
export async function readConvLabUnifiedZip(path: string, split: string, options: { text?: CorpusText } = {}): Promise<Episode[]> {
  const splits = await readConvLabUnifiedZipSplits(path, options);
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

// ---- DailyDialog __eou__ text

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

// ---- Topical-Chat

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
    if (!parsed.success) throw new DatasetFormatError(file, { entry: id }, firstProblem(parsed.error));
    episodes.push({ id, turns: parsed.data.content.map((m) => ({ speaker: m.agent, text: m.message.trim() })) });
  }
  return episodes;
}

export async function readTopicalChat(path: string): Promise<Episode[]> {
  return parseTopicalChat(await readFile(path, 'utf8'), path);
}

// ---- Wizard of Wikipedia

export const WOW_SPLITS = ['train', 'valid_random_split', 'valid_topic_split', 'test_random_split', 'test_topic_split'] as const;
export type WizardOfWikipediaSplit = (typeof WOW_SPLITS)[number];

const WowDialogue = z.object({
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
    const parsed = WowDialogue.safeParse(value);
    if (!parsed.success) throw new DatasetFormatError(path, { line, entry: index }, firstProblem(parsed.error));
    const turns: Turn[] = [];
    if (options.includeTopic && parsed.data.chosen_topic !== undefined) {
      turns.push({ speaker: 'topic', text: parsed.data.chosen_topic });
    }
    for (const t of parsed.data.dialog) turns.push({ speaker: t.speaker.replace(/^\d+_/, ''), text: t.text.trim() });
    episodes.push({ id: `${prefix}-${index}`, turns });
  }
  return episodes;
}

// ---- JSONL

/** Validates one parsed JSONL record; `file` and `line` locate it for errors. */
export function episodeFromJson(value: unknown, file: string, line: number): Episode {
  const fail = (problem: string) =>
    new DatasetFormatError(file, { line }, problem, 'each line must be {"turns": [string | {"speaker", "text"}, ...]}');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('not a JSON object');
  const { id, turns } = value as { id?: unknown; turns?: unknown };
  if (!Array.isArray(turns)) throw fail('"turns" is missing or not an array');
  const out: Turn[] = turns.map((t, k) => {
    if (typeof t === 'string') return { speaker: alternatingSpeaker(k), text: t };
    if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
      const { speaker, text, labels } = t as { speaker?: unknown; text?: unknown; labels?: unknown };
      if (typeof text !== 'string') throw fail(`turns[${k}].text is missing or not a string`);
      if (speaker !== undefined && typeof speaker !== 'string') throw fail(`turns[${k}].speaker is not a string`);
      if (labels !== undefined && !(typeof labels === 'object' && labels !== null && !Array.isArray(labels)
        && Object.values(labels).every((v) => typeof v === 'string'))) {
        throw fail(`turns[${k}].labels is not an object of strings (e.g. {"act": "question"})`);
      }
      return withLabels({ speaker: speaker ?? alternatingSpeaker(k), text }, labels as Record<string, string> | undefined);
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

/** Writes episodes as JSONL ({"id"?, "turns": [{speaker, text, labels?}]}), atomically (temp file + rename). */
export async function writeJsonl(path: string, episodes: Iterable<Episode>): Promise<void> {
  await streamFileAtomically(path, async (fh) => {
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
  });
}

// ---- any of the above, by file name

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

/**
 * .jsonl -> JSONL; .txt -> DailyDialog __eou__; .zip -> ConvLab unified (needs a split);
 * .json -> Wizard of Wikipedia when the top level is a list, Topical-Chat when it is an object.
 */
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
  options: { format?: EpisodeFileFormat; split?: string; text?: CorpusText } = {},
): Promise<Episode[]> {
  const format = options.format ?? (await detectEpisodeFileFormat(path));
  switch (format) {
    case 'jsonl':
      return readJsonl(path);
    case 'dailydialog-text':
      return readDailyDialogText(path);
    case 'convlab-zip':
      if (!options.split) throw new RangeError(`${path}: a ConvLab zip holds several splits; pass options.split`);
      return readConvLabUnifiedZip(path, options.split, { text: options.text });
    case 'wizard-of-wikipedia':
      return readWizardOfWikipedia(path);
    case 'topical-chat':
      return readTopicalChat(path);
  }
}
