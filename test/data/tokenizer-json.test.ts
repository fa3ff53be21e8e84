/**
 * SentencePiece -> tokenizer.json (data/tokenizer/sentencepiece-to-json.ts): transformers.js's
 * AutoTokenizer, loading the converted files from disk with remote models off, gives SentencePiece's
 * ids and text on the committed sentences (DailyDialog samples, whitespace and Unicode edge cases,
 * dialogue prompts with separators). The whole-corpus count is scripts/check-tokenizer-json.ts's.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  pretrainedSentencePieceModel, SentencePieceTokenizer, sentencePieceToTokenizerJson, TokenizerExportError,
} from '../../data/tokenizer/index.js';
import { DEFAULT_MODEL_DIR, dialogueFixture, TOKENIZER_FIXTURES } from './fixtures.js';

interface ConvertedTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demi-tokenizer-json-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the converted files into their own folder and loads them the way a transformers.js user does. */
async function convertAndLoad(sentencePiece: SentencePieceTokenizer, name: string): Promise<ConvertedTokenizer> {
  const out = join(dir, name);
  mkdirSync(out);
  const { tokenizer, config } = sentencePieceToTokenizerJson(sentencePiece);
  writeFileSync(join(out, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(out, 'tokenizer_config.json'), JSON.stringify(config));
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(out);
  return (await AutoTokenizer.from_pretrained(basename(out))) as unknown as ConvertedTokenizer;
}

/** Every committed DailyDialog sentence: the 300-example test sample and the split fixtures. */
function committedSentences(): string[] {
  const sample = readFileSync(dialogueFixture('dailydialog-test-sample.jsonl'), 'utf8').trim().split('\n')
    .map((line) => JSON.parse(line) as { context: string[]; reference: string });
  const fromSample = sample.flatMap((e) => [...e.context, e.reference]);
  const fromSplits = ['train', 'validation', 'test'].flatMap((split) => readFileSync(dialogueFixture(`dialogues_${split}.txt`), 'utf8')
    .split('__eou__').map((s) => s.trim()).filter(Boolean));
  const corpus = readFileSync(join(TOKENIZER_FIXTURES, 'corpus.txt'), 'utf8').trim().split('\n');
  return [...new Set([...fromSample, ...fromSplits, ...corpus])];
}

/**
 * What sentencepiece's normalizer and the dummy prefix do, one case each. Not here: characters outside
 * the vocabulary (the known difference below) and a separator typed inside one text ("a<sep>b"), which
 * demi never encodes: it encodes turns one by one, and the converted tokenizer gives that encoding.
 */
const EDGE_CASES = [
  '', ' ', 'a', '  leading and trailing spaces  ', 'inner   runs    of spaces', 'tabs\tand\nnewlines\r\nhere',
  'ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ １２３', 'the ﬁrst ligature', 'curly ‘quotes’ and “doubles” — dash…',
  '3.14159 + 2,718 = 5.86', "it's 9:30 a.m. o'clock!!!", 'UPPER lower MiXeD', 'no\u00a0break\u2002spaces',
];

describe('the shipped default model\'s tokenizer (unigram, nmt_nfkc, byte fallback)', () => {
  let sentencePiece: SentencePieceTokenizer;
  let converted: ConvertedTokenizer;
  beforeAll(async () => {
    sentencePiece = await SentencePieceTokenizer.load(join(DEFAULT_MODEL_DIR, 'tokenizer.model'));
    converted = await convertAndLoad(sentencePiece, 'default');
  });

  test('ids and decoded text equal SentencePiece\'s on every committed DailyDialog sentence and the edge cases', () => {
    const sentences = [...committedSentences(), ...EDGE_CASES];
    expect(sentences.length).toBeGreaterThan(350);
    const mismatches = sentences.filter((text) => {
      const ids = sentencePiece.encode(text);
      const got = converted.encode(text, { add_special_tokens: false });
      return JSON.stringify(got) !== JSON.stringify(ids) || (ids.length > 0 && converted.decode(ids, { skip_special_tokens: false }) !== sentencePiece.decode(ids));
    });
    expect(mismatches).toEqual([]);
  });

  test('a dialogue prompt "turn<sep>turn<sep>" gives demi\'s per-turn encoding joined by the separator id', () => {
    const turns = ['Good morning, sir.', 'Is there a bank near here?', '  Yes,   two blocks away. '];
    const expected = turns.flatMap((t) => [...sentencePiece.encode(t), sentencePiece.sepId!]);
    expect(converted.encode(turns.map((t) => `${t}<sep>`).join(''), { add_special_tokens: false })).toEqual(expected);
  });

  test('known difference: transformers.js has no Unigram byte fallback, so a character outside the vocabulary is <unk> there', () => {
    const text = 'tea 🍵 time at the café';
    const ids = sentencePiece.encode(text);
    expect(ids.some((id) => /^<0x[0-9A-F]{2}>$/.test(sentencePiece.idToToken(id)!))).toBe(true);
    expect(converted.encode(text, { add_special_tokens: false })).toContain(sentencePiece.unkId);
    // Python's tokenizers read this flag and fall back to the byte pieces, as sentencepiece does.
    expect((sentencePieceToTokenizerJson(sentencePiece).tokenizer.model as { byte_fallback: boolean }).byte_fallback).toBe(true);
  });
});

test('a lowercasing model (ALBERT 30k-clean, no uppercase pieces) converts with a Lowercase normalizer and the same ids', async () => {
  const sentencePiece = await SentencePieceTokenizer.load(await pretrainedSentencePieceModel('albert-30k-clean', dir));
  expect(sentencePiece.lowercase).toBe(true);
  const converted = await convertAndLoad(sentencePiece, 'albert');
  for (const text of [...committedSentences().slice(0, 200), ...EDGE_CASES]) {
    expect({ text, ids: converted.encode(text, { add_special_tokens: false }) }).toEqual({ text, ids: sentencePiece.encode(text) });
  }
});

test('a BPE SentencePiece model is refused with a TokenizerExportError that says why', async () => {
  const bpe = await SentencePieceTokenizer.load(await pretrainedSentencePieceModel('llama-32k', dir));
  expect(() => sentencePieceToTokenizerJson(bpe)).toThrow(TokenizerExportError);
  expect(() => sentencePieceToTokenizerJson(bpe)).toThrow(/bpe model; only unigram models convert/);
});
