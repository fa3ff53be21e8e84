/**
 * Whole-corpus check of the SentencePiece -> tokenizer.json conversion (data/tokenizer/sentencepiece-to-json.ts):
 * every utterance of a DailyDialog split is encoded by demi's SentencePiece tokenizer and by
 * transformers.js's AutoTokenizer loading the converted tokenizer.json from disk (remote models off), and
 * the ids are compared; so are whole dialogue prompts, the text "turn1<sep>turn2<sep>..." against demi's
 * per-turn encoding. Prints the counts of mismatches and the first few, as JSON. Not part of the jest
 * suite (it needs the corpus); test/export/tokenizer-json.test.ts checks committed sentences.
 *
 *   npx tsx scripts/check-tokenizer-json.ts --data-path PATH/TO/dailydialog/data.zip \
 *     [--tokenizer models/default/tokenizer.model] [--split validation]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDailyDialog } from '../data/dialogue/index.js';
import { SentencePieceTokenizer, sentencePieceToTokenizerJson } from '../data/tokenizer/index.js';

const { values } = parseArgs({
  options: {
    'data-path': { type: 'string' },
    tokenizer: { type: 'string', default: 'models/default/tokenizer.model' },
    split: { type: 'string', default: 'validation' },
    show: { type: 'string', default: '5' },
  },
});
if (!values['data-path']) {
  console.error('usage: npx tsx scripts/check-tokenizer-json.ts --data-path DAILYDIALOG_ZIP [--tokenizer FILE.model] [--split validation]');
  process.exit(2);
}

const sentencePiece = await SentencePieceTokenizer.load(values.tokenizer!);
const dir = mkdtempSync(join(tmpdir(), 'demi-tokenizer-json-'));
try {
  const { tokenizer, config } = sentencePieceToTokenizerJson(sentencePiece);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir);
  const converted = await AutoTokenizer.from_pretrained(basename(dir), { local_files_only: true });
  const encode = (text: string) => converted.encode(text, { add_special_tokens: false });
  const episodes = await loadDailyDialog(values.split as 'validation', { path: values['data-path'] });
  const sep = sentencePiece.idToToken(sentencePiece.sepId!)!;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const shown = Number(values.show);
  const utterances = { total: 0, mismatches: 0, examples: [] as unknown[] };
  const prompts = { total: 0, mismatches: 0, examples: [] as unknown[] };
  const decoded = { total: 0, mismatches: 0, examples: [] as unknown[] };
  for (const episode of episodes) {
    const texts = episode.turns.map((t) => t.text);
    for (const text of texts) {
      const expected = sentencePiece.encode(text);
      const got = encode(text);
      utterances.total++;
      if (!same(expected, got)) {
        utterances.mismatches++;
        if (utterances.examples.length < shown) utterances.examples.push({ text, sentencepiece: expected, tokenizerJson: got });
      }
      decoded.total++;
      const back = converted.decode(expected, { skip_special_tokens: false });
      if (back !== sentencePiece.decode(expected)) {
        decoded.mismatches++;
        if (decoded.examples.length < shown) decoded.examples.push({ text, sentencepiece: sentencePiece.decode(expected), tokenizerJson: back });
      }
    }
    const expected = texts.flatMap((t) => [...sentencePiece.encode(t), sentencePiece.sepId!]);
    const got = encode(texts.map((t) => `${t}${sep}`).join(''));
    prompts.total++;
    if (!same(expected, got)) {
      prompts.mismatches++;
      if (prompts.examples.length < shown) prompts.examples.push({ texts, firstDifference: expected.findIndex((v, i) => v !== got[i]) });
    }
  }
  console.log(JSON.stringify({ tokenizer: values.tokenizer, split: values.split, utterances, dialoguePrompts: prompts, decodeOfSentencePieceIds: decoded }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
