/**
 * Opens a tokenizer file, picking the implementation by file type: `.model` -> SentencePiece,
 * `.json` -> Hugging Face tokenizer.json. A directory is searched for tokenizer.json, then
 * tokenizer.model / spiece.model / any single *.model. Other names are sniffed (JSON starts with "{").
 */

import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenizerLoadError } from '../errors.js';
import { HfTokenizer, type HfTokenizerOptions } from './hf-tokenizer.js';
import { SentencePieceTokenizer, type SentencePieceOptions } from './sentencepiece.js';
import type { Tokenizer } from './tokenizer.js';

export interface LoadTokenizerOptions {
  sentencepiece?: SentencePieceOptions;
  hf?: HfTokenizerOptions;
}

async function resolveFile(path: string): Promise<string> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new TokenizerLoadError(path, `no such tokenizer file or directory (${(e as Error).message})`);
  }
  if (!s.isDirectory()) return path;
  const names = await readdir(path);
  for (const n of ['tokenizer.json', 'tokenizer.model', 'spiece.model', 'sentencepiece.model']) {
    if (names.includes(n)) return join(path, n);
  }
  const models = names.filter((n) => n.endsWith('.model'));
  if (models.length === 1) return join(path, models[0]);
  throw new TokenizerLoadError(path, 'directory has no tokenizer.json or single .model file');
}

export async function loadTokenizer(path: string, options: LoadTokenizerOptions = {}): Promise<Tokenizer> {
  const file = await resolveFile(path);
  if (file.endsWith('.model')) return SentencePieceTokenizer.load(file, options.sentencepiece);
  if (file.endsWith('.json')) return HfTokenizer.load(file, options.hf);
  const fh = await open(file, 'r');
  let first = '';
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    first = buf.toString('latin1', 0, bytesRead).trimStart()[0] ?? '';
  } finally {
    await fh.close();
  }
  return first === '{' ? HfTokenizer.load(file, options.hf) : SentencePieceTokenizer.load(file, options.sentencepiece);
}
