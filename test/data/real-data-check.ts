/**
 * Checks the readers against the real corpora in a local data folder (not part of the jest suite, which
 * runs on the small fixtures in test/fixtures). Exits non-zero when a count or hash disagrees with
 * the published figures.
 *
 *   npx tsx test/data/real-data-check.ts DATA_DIR [--train-spm]
 *
 * --train-spm also trains an 8k SentencePiece vocabulary on DailyDialog train with spm_train and
 * reports tokens per utterance and the validation round-trip rate.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DAILYDIALOG_CONVLAB,
  type Episode,
  episodeStats,
  loadDailyDialog,
  readConvLabUnifiedZipSplits,
  readTopicalChat,
  sha256File,
  TOPICAL_CHAT,
  type TopicalChatSplit,
} from '../../data/dialogue/index.js';
import {
  pretrainedSentencePieceModel,
  SentencePieceTokenizer,
  type Tokenizer,
  trainSentencePiece,
  writeSentencePieceCorpus,
} from '../../data/tokenizer/index.js';

const args = process.argv.slice(2);
const rootArg = args.find((a) => !a.startsWith('--'));
if (!rootArg) {
  console.error('usage: npx tsx test/data/real-data-check.ts DATA_DIR [--train-spm]  (DATA_DIR holds dialogue/...)');
  process.exit(2);
}
const root: string = rootArg;
const trainSpm = args.includes('--train-spm');
let failures = 0;

function check(label: string, got: unknown, want: unknown): void {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${JSON.stringify(got)}${ok ? '' : ` (expected ${JSON.stringify(want)})`}`);
}

function tokenStats(
  tok: Tokenizer,
  episodes: Episode[],
  expected: (text: string) => string = (t) => t,
): { utterances: number; tokensPerUtterance: number; exactRoundTrip: number; unk: number } {
  let n = 0;
  let tokens = 0;
  let exact = 0;
  let unk = 0;
  for (const e of episodes) {
    for (const t of e.turns) {
      const ids = tok.encode(t.text);
      n++;
      tokens += ids.length;
      if (tok.unkId !== undefined) unk += ids.filter((i) => i === tok.unkId).length;
      if (tok.decode(ids) === expected(t.text)) exact++;
    }
  }
  return { utterances: n, tokensPerUtterance: +(tokens / n).toFixed(2), exactRoundTrip: +(exact / n).toFixed(4), unk };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const zip = join(root, 'dialogue/dailydialog/data.zip');
  check('DailyDialog data.zip sha256 = pin', await sha256File(zip), DAILYDIALOG_CONVLAB.sha256);
  const splits = await readConvLabUnifiedZipSplits(zip);
  const want: Record<string, [number, number]> = { train: [11118, 87170], validation: [1000, 8069], test: [1000, 7740] };
  for (const [split, [dialogues, utterances]] of Object.entries(want)) {
    const s = episodeStats(splits.get(split) ?? []);
    check(`DailyDialog ${split} dialogues/utterances`, [s.episodes, s.turns], [dialogues, utterances]);
    console.log(`     ${split}: ${s.examples} examples; empty utterances: ${(splits.get(split) ?? []).flatMap((e) => e.turns).filter((t) => t.text.length === 0).length}`);
  }
  console.log(`     read all splits in ${Date.now() - t0} ms`);

  // The contraction repair: which characters it changes on the real file, split by split.
  const published = await readConvLabUnifiedZipSplits(zip, { text: 'as-published' });
  const capitalised = /[A-Za-z]'(Ve|I[Il])\b|n'T\b/g;
  const count = (texts: string[], re: RegExp) => texts.reduce((n, t) => n + (t.match(re)?.length ?? 0), 0);
  const textsOf = (episodes: Episode[] | undefined) => (episodes ?? []).flatMap((e) => e.turns.map((t) => t.text));
  const expectedRepairs: Record<string, number> = { train: 753, validation: 58, test: 68 };
  for (const [split, repairs] of Object.entries(expectedRepairs)) {
    const before = textsOf(published.get(split));
    const after = textsOf(splits.get(split));
    let changedChars = 0;
    let changedOther = 0;
    before.forEach((text, i) => {
      if (text.length !== after[i].length) changedOther++;
      for (let c = 0; c < text.length; c++) {
        if (text[c] === after[i][c]) continue;
        changedChars++;
        if (text[c].toLowerCase() !== after[i][c] && !(text[c] === 'I' && after[i][c] === 'l')) changedOther++;
      }
    });
    check(`DailyDialog ${split} capitalised contractions as published / repaired`, [count(before, capitalised), count(after, capitalised)], [repairs, 0]);
    check(`DailyDialog ${split} characters changed other than those letters`, changedOther, 0);
    console.log(`     ${split}: ${changedChars} letters lowered; names kept: O'Connell ${count(after, /O'Connell/g)}, O'Neil ${count(after, /O'Neil/g)}`);
  }

  // The download path, pointed at the local copy through a file:// URL (hash-checked, cached).
  const cache = mkdtempSync(join(tmpdir(), 'demi-real-'));
  try {
    const viaDownload = await loadDailyDialog('validation', { cacheDir: cache, source: { url: pathToFileURL(zip).href } });
    check('loadDailyDialog(validation) via file:// download', viaDownload.length, 1000);

    const tc: Record<Exclude<TopicalChatSplit, 'train'>, [number, number]> = {
      test_freq: [539, 11760],
      test_rare: [539, 11770],
      valid_freq: [539, 11681],
      valid_rare: [539, 11692],
    };
    for (const [split, [conversations, turns]] of Object.entries(tc) as [TopicalChatSplit, [number, number]][]) {
      const file = join(root, 'dialogue/topical-chat/conversations', `${split}.json`);
      check(`Topical-Chat ${split} sha256 = pin`, await sha256File(file), TOPICAL_CHAT[split].sha256);
      const s = episodeStats(await readTopicalChat(file));
      check(`Topical-Chat ${split} conversations/turns`, [s.episodes, s.turns], [conversations, turns]);
    }

    const albert = await SentencePieceTokenizer.load(await pretrainedSentencePieceModel('albert-30k-clean', cache));
    const lower = (t: string) => t.toLowerCase();
    console.log('     ALBERT 30k-clean on DailyDialog validation (round trip vs lowercased text):',
      JSON.stringify(tokenStats(albert, splits.get('validation')!, lower)));

    if (trainSpm) {
      const corpus = join(cache, 'dd-train.txt');
      const lines = await writeSentencePieceCorpus(corpus, splits.get('train')!.flatMap((e) => e.turns.map((t) => t.text)));
      const t1 = Date.now();
      const { modelFile } = await trainSentencePiece({ corpusFile: corpus, modelPrefix: join(cache, 'dd8k'), vocabSize: 8000, numThreads: 2 });
      console.log(`     spm_train unigram 8k on ${lines} DailyDialog train utterances: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      const dd = await SentencePieceTokenizer.load(modelFile);
      console.log('     dd8k on DailyDialog validation:', JSON.stringify(tokenStats(dd, splits.get('validation')!)));
      const misses = splits.get('validation')!.flatMap((e) => e.turns).filter((t) => dd.decode(dd.encode(t.text)) !== t.text);
      for (const t of misses.slice(0, 3)) console.log(`       e.g. ${JSON.stringify(t.text)} -> ${JSON.stringify(dd.decode(dd.encode(t.text)))}`);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) FAILED`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
