/**
 * Trains a SentencePiece vocabulary with Debian's `spm_train` (package `sentencepiece`:
 * `apt-get install sentencepiece`). The turn separator is a user-defined symbol, so "<sep>" in text
 * always encodes to one id. Ids: unk 0, bos 1, eos 2, pad 3 by default. Defaults favour lossless
 * round trips: every corpus character is kept and byte fallback covers the rest.
 *
 * Options are a zod schema so the CLI can parse them (`parseTrainSentencePieceArgs`). The model is
 * trained under a temporary prefix and renamed into place, so a failed run leaves nothing behind.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { describeIssues } from '../../core/index.js';
import { SentencePieceTrainingError } from '../errors.js';
import { DEFAULT_SEP_TOKEN } from './tokenizer.js';

export const TrainSentencePieceOptionsSchema = z
  .object({
    /** Text file(s), one sentence (utterance) per line. */
    corpusFile: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Output: <modelPrefix>.model and <modelPrefix>.vocab. */
    modelPrefix: z.string().min(1),
    vocabSize: z.number().int().min(8),
    /** false: vocabSize is an upper bound (spm's --hard_vocab_limit=false), for small corpora. */
    hardVocabLimit: z.boolean().default(true),
    modelType: z.enum(['unigram', 'bpe', 'word', 'char']).default('unigram'),
    /** 1.0 keeps every character of the corpus (sentencepiece's 0.9995 drops rare ones such as "Q"
     * and ":" from English dialogue, which then decode as <unk>). */
    characterCoverage: z.number().gt(0).max(1).default(1),
    /** Pieces kept whole (the turn separator first). */
    userDefinedSymbols: z.array(z.string().min(1)).default([DEFAULT_SEP_TOKEN]),
    /** Unknown characters become UTF-8 byte pieces, so any text round-trips (needs vocabSize >= 256 + chars). */
    byteFallback: z.boolean().default(true),
    unkId: z.number().int().min(0).default(0),
    bosId: z.number().int().min(-1).default(1),
    eosId: z.number().int().min(-1).default(2),
    padId: z.number().int().min(-1).default(3),
    /** 'nmt_nfkc' (sentencepiece's default) or 'identity' (no Unicode normalization). */
    normalizationRuleName: z.enum(['nmt_nfkc', 'nfkc', 'nmt_nfkc_cf', 'nfkc_cf', 'identity']).default('nmt_nfkc'),
    /** Sample this many sentences for training (0: all). */
    inputSentenceSize: z.number().int().min(0).default(0),
    maxSentenceLength: z.number().int().min(1).default(4192),
    numThreads: z.number().int().min(1).default(Math.max(1, Math.min(availableParallelism(), 8))),
    seed: z.number().int().min(0).default(42),
    /** Path of the spm_train binary. */
    spmTrainPath: z.string().default('spm_train'),
    /** Further --flag=value arguments passed through. */
    extraArgs: z.array(z.string()).default([]),
  })
  .strict();

export type TrainSentencePieceOptions = z.input<typeof TrainSentencePieceOptionsSchema>;

export interface TrainSentencePieceResult {
  modelFile: string;
  vocabFile: string;
  /** spm_train's log (stderr). */
  log: string;
}

/** The spm_train command line for these options (without the binary). */
export function spmTrainArgs(options: z.output<typeof TrainSentencePieceOptionsSchema>, prefix: string): string[] {
  const input = Array.isArray(options.corpusFile) ? options.corpusFile.join(',') : options.corpusFile;
  return [
    `--input=${input}`,
    `--model_prefix=${prefix}`,
    `--vocab_size=${options.vocabSize}`,
    `--hard_vocab_limit=${options.hardVocabLimit}`,
    `--model_type=${options.modelType}`,
    `--character_coverage=${options.characterCoverage}`,
    ...(options.userDefinedSymbols.length > 0 ? [`--user_defined_symbols=${options.userDefinedSymbols.join(',')}`] : []),
    `--byte_fallback=${options.byteFallback}`,
    `--unk_id=${options.unkId}`,
    `--bos_id=${options.bosId}`,
    `--eos_id=${options.eosId}`,
    `--pad_id=${options.padId}`,
    `--normalization_rule_name=${options.normalizationRuleName}`,
    `--input_sentence_size=${options.inputSentenceSize}`,
    `--shuffle_input_sentence=true`,
    `--max_sentence_length=${options.maxSentenceLength}`,
    `--num_threads=${options.numThreads}`,
    `--random_seed=${options.seed}`,
    ...options.extraArgs,
  ];
}

/** Trains a model; resolves to the written files. */
export async function trainSentencePiece(input: TrainSentencePieceOptions): Promise<TrainSentencePieceResult> {
  const parsed = TrainSentencePieceOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SentencePieceTrainingError(`invalid trainSentencePiece options: ${describeIssues(parsed.error.issues, '', 1)}`);
  }
  const options = parsed.data;
  if (options.userDefinedSymbols.some((s) => s.includes(','))) {
    throw new SentencePieceTrainingError('userDefinedSymbols cannot contain commas (spm_train splits the list on commas)');
  }
  const tmpPrefix = `${options.modelPrefix}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const args = spmTrainArgs(options, tmpPrefix);
  const log = await new Promise<string>((resolve, reject) => {
    const child = spawn(options.spmTrainPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new SentencePieceTrainingError(
              `${options.spmTrainPath} not found. Install SentencePiece's command-line tools ` +
                `(Debian/Ubuntu: apt-get install sentencepiece), or pass spmTrainPath.`,
            )
          : new SentencePieceTrainingError(`cannot run ${options.spmTrainPath}: ${e.message}`),
      );
    });
    child.on('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (code === 0) resolve(text);
      else {
        const tail = text.trim().split('\n').slice(-5).join('\n');
        const hint = /Vocabulary size too high/.test(text)
          ? '\nUse a smaller vocabSize, a larger corpus, or hardVocabLimit: false.'
          : '';
        reject(new SentencePieceTrainingError(`spm_train exited with code ${code}:\n${tail}${hint}`));
      }
    });
  }).catch(async (e: unknown) => {
    await Promise.all([rm(`${tmpPrefix}.model`, { force: true }), rm(`${tmpPrefix}.vocab`, { force: true })]);
    throw e;
  });
  const modelFile = `${options.modelPrefix}.model`;
  const vocabFile = `${options.modelPrefix}.vocab`;
  await rename(`${tmpPrefix}.vocab`, vocabFile);
  await rename(`${tmpPrefix}.model`, modelFile);
  return { modelFile, vocabFile, log };
}

/**
 * Writes texts one per line (inner newlines become spaces, empty texts skipped): the corpus format
 * spm_train reads. Returns the number of lines written.
 */
export async function writeSentencePieceCorpus(path: string, texts: Iterable<string>): Promise<number> {
  const fh = await open(path, 'w');
  let count = 0;
  try {
    let batch: string[] = [];
    for (const t of texts) {
      const line = t.replace(/[\r\n]+/g, ' ').trim();
      if (line.length === 0) continue;
      batch.push(line);
      count++;
      if (batch.length >= 10000) {
        await fh.write(batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) await fh.write(batch.join('\n') + '\n');
  } finally {
    await fh.close();
  }
  return count;
}

const FLAG_TO_KEY: Record<string, keyof z.input<typeof TrainSentencePieceOptionsSchema>> = {
  corpus: 'corpusFile',
  'corpus-file': 'corpusFile',
  'model-prefix': 'modelPrefix',
  'vocab-size': 'vocabSize',
  'model-type': 'modelType',
  'character-coverage': 'characterCoverage',
  'user-defined-symbols': 'userDefinedSymbols',
  'byte-fallback': 'byteFallback',
  'unk-id': 'unkId',
  'bos-id': 'bosId',
  'eos-id': 'eosId',
  'pad-id': 'padId',
  normalization: 'normalizationRuleName',
  'input-sentence-size': 'inputSentenceSize',
  'max-sentence-length': 'maxSentenceLength',
  threads: 'numThreads',
  seed: 'seed',
  'spm-train': 'spmTrainPath',
};

/**
 * CLI flags -> options, e.g. `--corpus a.txt --model-prefix out/spm --vocab-size 8000
 * --model-type bpe --user-defined-symbols "<sep>,<knowledge>" --byte-fallback`.
 */
export function parseTrainSentencePieceArgs(argv: readonly string[]): TrainSentencePieceOptions {
  const raw: Record<string, unknown> = {};
  const numeric = new Set(['vocabSize', 'characterCoverage', 'unkId', 'bosId', 'eosId', 'padId', 'inputSentenceSize', 'maxSentenceLength', 'numThreads', 'seed']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new SentencePieceTrainingError(`unexpected argument "${arg}"`);
    let [flag, value] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const negated = flag.startsWith('no-');
    if (negated) flag = flag.slice(3);
    const key = FLAG_TO_KEY[flag];
    if (!key) throw new SentencePieceTrainingError(`unknown flag --${flag} (known: ${Object.keys(FLAG_TO_KEY).map((f) => `--${f}`).join(', ')})`);
    if (key === 'byteFallback') {
      raw[key] = value === undefined ? !negated : value === 'true';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new SentencePieceTrainingError(`--${flag} needs a value`);
    }
    if (numeric.has(key)) {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new SentencePieceTrainingError(`--${flag} needs a number, got "${value}"`);
      raw[key] = n;
    } else if (key === 'userDefinedSymbols') raw[key] = value.length === 0 ? [] : value.split(',');
    else if (key === 'corpusFile') raw[key] = value.includes(',') ? value.split(',') : value;
    else raw[key] = value;
  }
  const parsed = TrainSentencePieceOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new SentencePieceTrainingError(`invalid arguments: ${describeIssues(parsed.error.issues, '', 1)}`);
  return raw as TrainSentencePieceOptions;
}
