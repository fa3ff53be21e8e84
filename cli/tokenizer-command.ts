/**
 * `demi tokenizer train ...`: a SentencePiece vocabulary with Debian's spm_train
 * (`apt-get install sentencepiece`), from a text file or from a dialogue corpus's utterances.
 *   demi tokenizer train --corpus text.txt --model-prefix out/spm --vocab-size 8000
 *   demi tokenizer train --dialogue-corpus dailydialog --split train [--data-path data.zip] --model-prefix out/spm --vocab-size 8000
 * `demi tokenizer encode --tokenizer FILE "text"` prints ids (a quick check).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer, parseTrainSentencePieceArgs, trainSentencePiece, writeSentencePieceCorpus } from '../data/tokenizer/index.js';
import { loadEpisodes } from '../model/dialogue/index.js';
import { corpusTextFlag } from './args.js';
import { CliError } from './errors.js';

function takeFlag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined) throw new CliError(`--${name} needs a value`);
  argv.splice(i, 2);
  return value;
}

export async function tokenizerCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const args = [...rest];
  if (action === 'encode') {
    const file = takeFlag(args, 'tokenizer');
    if (!file || args.length === 0) throw new CliError('usage: demi tokenizer encode --tokenizer FILE "text"');
    const tokenizer = await loadTokenizer(file);
    const ids = tokenizer.encode(args.join(' '));
    console.log(JSON.stringify({ ids, pieces: ids.map((id) => tokenizer.idToToken(id)), decoded: tokenizer.decode(ids) }));
    return;
  }
  if (action !== 'train') {
    throw new CliError('usage: demi tokenizer train (--corpus TEXT | --dialogue-corpus NAME --split SPLIT [--data-path P] [--corpus-text repaired|as-published]) --model-prefix PREFIX --vocab-size N [spm options]\n       demi tokenizer encode --tokenizer FILE "text"');
  }
  const corpusName = takeFlag(args, 'dialogue-corpus');
  if (corpusName) {
    const split = takeFlag(args, 'split') ?? 'train';
    const path = takeFlag(args, 'data-path');
    const text = corpusTextFlag(takeFlag(args, 'corpus-text'));
    const episodes = await loadEpisodes({ corpus: corpusName as 'dailydialog', split, path, text });
    const textFile = join(mkdtempSync(join(tmpdir(), 'demi-spm-')), 'utterances.txt');
    const lines = await writeSentencePieceCorpus(textFile, new Set(episodes.flatMap((e) => e.turns.map((t) => t.text))));
    console.error(`demi: ${lines} distinct utterances from ${corpusName} ${split}`);
    args.push('--corpus', textFile);
  }
  const result = await trainSentencePiece(parseTrainSentencePieceArgs(args));
  console.log(JSON.stringify({ modelFile: result.modelFile, vocabFile: result.vocabFile }));
}
