import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenizer, loadTokenizer, TokenizerInputError, TokenizerLoadError } from '../../data/tokenizer/index.js';
import { TOKENIZER_FIXTURES } from './fixtures.js';

const BPE_DIR = join(TOKENIZER_FIXTURES, 'byte-bpe');
const BPE_JSON = join(BPE_DIR, 'tokenizer.json');

let dir: string;
let tok: HfTokenizer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'demi-hf-'));
  tok = await HfTokenizer.load(BPE_JSON);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HF tokenizer.json (tiny byte-level BPE fixture)', () => {
  it('reads the vocabulary and the special tokens from tokenizer_config.json', () => {
    expect(tok.kind).toBe('hf-tokenizer-json');
    expect(tok.file).toBe(BPE_JSON);
    expect(tok.vocabSize).toBe(459);
    expect(tok.eosId).toBe(456);
    expect(tok.bosId).toBe(456);
    expect(tok.unkId).toBe(456);
    expect(tok.sepId).toBe(457);
    expect(tok.padId).toBe(458);
    expect(tok.tokenToId('<sep>')).toBe(457);
    expect(tok.idToToken(457)).toBe('<sep>');
    expect(tok.idToToken(32)).toBe('Ġ'); // the byte-level symbol of a space
  });

  it('encodes exactly as a Python implementation of GPT-2 BPE does', () => {
    const expected = JSON.parse(readFileSync(join(BPE_DIR, 'expected.json'), 'utf8')) as { text: string; ids: number[] }[];
    for (const { text, ids } of expected) expect(tok.encode(text)).toEqual(ids);
  });

  it('round-trips any text exactly (no cleanup of spaces before punctuation)', () => {
    const texts = [
      'Can you do push-ups? Of course I can.',
      'spaces  before , punctuation ! and "quotes" ...',
      '  leading, trailing  ',
      'naïve café — 日本語 😀 \u0000 tab\tnewline\nend',
      '',
    ];
    for (const t of texts) expect(tok.decode(tok.encode(t))).toBe(t);
  });

  it('"<sep>" in text is the separator token; skipSpecialTokens drops it', () => {
    const ids = tok.encode('Hi there.<sep>Hello!');
    expect(ids.filter((i) => i === tok.sepId)).toHaveLength(1);
    expect(tok.decode(ids)).toBe('Hi there.<sep>Hello!');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('Hi there.Hello!');
    expect(tok.decode([...tok.encode('end'), tok.eosId!], { skipSpecialTokens: true })).toBe('end');
  });

  it('ids outside the vocabulary are a TokenizerInputError', () => {
    expect(() => tok.decode([1, 459])).toThrow(TokenizerInputError);
    expect(() => tok.decode([-1])).toThrow(/outside the vocabulary/);
    expect(() => tok.decode([1.5])).toThrow(TokenizerInputError);
  });

  it('without a config, special tokens are guessed from the special added tokens', async () => {
    const bare = await HfTokenizer.load(BPE_JSON, { configPath: null });
    expect(bare.eosId).toBe(456);
    expect(bare.bosId).toBeUndefined();
    expect(bare.sepId).toBe(457);
    expect(bare.padId).toBe(458);
    const overridden = await HfTokenizer.load(BPE_JSON, { specialTokens: { sep: null, pad: '<|endoftext|>' } });
    expect(overridden.sepId).toBeUndefined();
    expect(overridden.padId).toBe(456);
    await expect(HfTokenizer.load(BPE_JSON, { specialTokens: { eos: '<nope>' } })).rejects.toThrow(TokenizerLoadError);
  });

  it('a WordLevel tokenizer maps unknown words to <unk>', async () => {
    const p = join(dir, 'wordlevel.json');
    writeFileSync(
      p,
      JSON.stringify({
        version: '1.0',
        added_tokens: [
          { id: 0, content: '<unk>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
          { id: 1, content: '</s>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
        ],
        normalizer: null,
        pre_tokenizer: { type: 'Whitespace' },
        post_processor: null,
        decoder: null,
        model: { type: 'WordLevel', vocab: { '<unk>': 0, '</s>': 1, hello: 2, world: 3 }, unk_token: '<unk>' },
      }),
    );
    const wl = await HfTokenizer.load(p, { configPath: null });
    expect(wl.vocabSize).toBe(4);
    expect(wl.unkId).toBe(0);
    expect(wl.eosId).toBe(1);
    expect(wl.encode('hello there world')).toEqual([2, 0, 3]);
  });

  it('loadTokenizer picks the HF kind for a .json file and for a directory with tokenizer.json', async () => {
    expect((await loadTokenizer(BPE_JSON)).kind).toBe('hf-tokenizer-json');
    const fromDir = await loadTokenizer(BPE_DIR);
    expect(fromDir.kind).toBe('hf-tokenizer-json');
    expect(fromDir.sepId).toBe(457);
  });

  it('broken files are TokenizerLoadErrors naming the file', async () => {
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"model": ');
    await expect(HfTokenizer.load(notJson)).rejects.toThrow(/broken\.json: tokenizer\.json is not valid JSON/);
    const noModel = join(dir, 'nomodel.json');
    writeFileSync(noModel, '{"version": "1.0"}');
    await expect(HfTokenizer.load(noModel)).rejects.toThrow(TokenizerLoadError);
    await expect(loadTokenizer(join(dir, 'missing.json'))).rejects.toThrow(TokenizerLoadError);
  });
});
