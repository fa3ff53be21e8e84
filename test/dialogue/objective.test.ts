import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, selectBackend, AdamW } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { GPT } from '../../model/transformer/index.js';
import {
  DemiHeads, chainLevels, dialogueLoss, encodeExample, makeDialogueBatch, prefixLengths, lastTurn, ExampleBatcher, validationBatches, type DemiObjectiveConfig,
  type DialogueFormat, type EncodedExample,
} from '../../model/dialogue/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';
import { toyEpisodes, writeToyCorpus } from '../helpers/toy-dialogues.js';
import { toyTokenizer } from '../helpers/toy-tokenizer.js';

const format: DialogueFormat = { sepId: 1, eosId: 2, padId: 0 };
const wordTokenizer = { encode: (text: string) => text.split(' ').filter(Boolean).map((w) => 10 + w.length) };

beforeAll(() => selectBackend());

describe('encoding', () => {
  test('context is truncated from the front on turn boundaries', () => {
    // turn lengths (with separator): 4, 3, 2; response 2 tokens; block 7 -> context budget 5
    const e = encodeExample(['a b c', 'd e', 'f'], 'g h', wordTokenizer, format, { blockSize: 7 });
    expect(e.contextIds).toEqual([11, 11, 1, 11, 1]);
    expect(e.responseIds).toEqual([11, 11]);
    expect(e.contextIds.length + e.responseIds.length + 1 - 1).toBeLessThanOrEqual(7);
  });

  test('an over-long last turn keeps its most recent tokens', () => {
    const e = encodeExample(['a bb ccc dddd eeeee'], 'x', wordTokenizer, format, { blockSize: 4 });
    expect(e.contextIds).toEqual([14, 15, 1]);
  });

  test('prefixes of the response grow to the whole response', () => {
    expect(prefixLengths(10, 4)).toEqual([3, 5, 8, 10]);
    expect(prefixLengths(2, 4)).toEqual([1, 1, 2, 2]);
    expect(prefixLengths(7, 1)).toEqual([7]);
  });

  test('the LM batch labels response tokens and EOS only', () => {
    const examples: EncodedExample[] = [
      { contextIds: [5, 6, 1], responseIds: [7, 8] },
      { contextIds: [9, 1, 4, 1], responseIds: [3] },
    ];
    const b = makeDialogueBatch(examples, format, 2);
    expect(b.T).toBe(5);
    expect(Array.from(b.ids)).toEqual([5, 6, 1, 7, 8, 9, 1, 4, 1, 3]);
    expect(Array.from(b.labels)).toEqual([-1, -1, 7, 8, 2, -1, -1, -1, 3, 2]);
    expect(Array.from(b.contextEnd)).toEqual([2, 3]);
    expect(b.responseTokens).toBe(5);
    expect(Array.from(b.responseIds)).toEqual([1, 7, 8, 1, 3, 0]);
    expect(Array.from(b.prefixEnds)).toEqual([1, 1, 2, 1]);
    expect(lastTurn([9, 1, 4, 1], 1)).toEqual([4, 1]);
  });

  test('with labelContext the LM batch labels every next token of the window, padding excepted', () => {
    const examples: EncodedExample[] = [
      { contextIds: [5, 6, 1], responseIds: [7, 8] },
      { contextIds: [9, 1, 4, 1], responseIds: [3] },
    ];
    const b = makeDialogueBatch(examples, format, 2, { labelContext: true });
    expect(Array.from(b.ids)).toEqual([5, 6, 1, 7, 8, 9, 1, 4, 1, 3]);
    expect(Array.from(b.labels)).toEqual([6, 1, 7, 8, 2, 1, 4, 1, 3, 2]);
    expect(b.responseTokens).toBe(5);
    expect(b.labelledTokens).toBe(10);
    const padded = makeDialogueBatch([{ contextIds: [5, 1], responseIds: [7] }, examples[1]], format, 1, { labelContext: true });
    expect(Array.from(padded.labels.subarray(0, 5))).toEqual([1, 7, 2, -1, -1]);
  });

  test('batches are reproducible from the batcher state', () => {
    const examples = Array.from({ length: 10 }, (_, i) => ({ contextIds: [i, 1], responseIds: [i] }));
    const a = new ExampleBatcher(examples, 3, 5);
    const seen = Array.from({ length: 5 }, () => a.next().map((e) => e.responseIds[0]));
    const b = new ExampleBatcher(examples, 3, 5);
    b.next();
    b.next();
    const state = b.getState();
    const c = new ExampleBatcher(examples, 3, 5);
    c.setState(state);
    expect([c.next(), c.next(), c.next()].map((x) => x.map((e) => e.responseIds[0]))).toEqual(seen.slice(2));
    expect(new Set(seen[0]).size).toBe(3);
  });

  test('validation batches mix dialogues: in-batch negatives are not the same conversation\'s other turns', () => {
    // Episode order, as the readers produce it: 40 dialogues of 8 turns, consecutive.
    const dialogues = 40;
    const turns = 8;
    const examples = Array.from({ length: dialogues * turns }, (_, i) => ({ dialogue: Math.floor(i / turns), turn: i % turns }));
    const batchSize = 32;
    const batches = validationBatches(examples, batchSize);
    expect(batches.flat().map((e) => e.dialogue * turns + e.turn).sort((a, b) => a - b)).toEqual(examples.map((_, i) => i));
    expect(batches.slice(0, -1).every((b) => b.length === batchSize)).toBe(true);
    // Negatives from the anchor's own dialogue, per anchor: 7 of 31 in episode order; a draw from p(x)
    // gives 31 * 7 / 319 = 0.68 on average.
    let sameDialogue = 0;
    let anchors = 0;
    for (const batch of batches) {
      for (const a of batch) {
        anchors++;
        sameDialogue += batch.filter((b) => b !== a && b.dialogue === a.dialogue).length;
      }
    }
    expect(sameDialogue / anchors).toBeLessThan(1.2);
    // Fixed, not seeded by the run: every run is validated on the same batches.
    expect(validationBatches(examples, batchSize)).toEqual(batches);
  });
});

describe('objective', () => {
  const config = { vocabSize: 40, blockSize: 16, nLayer: 1, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 };
  const examples: EncodedExample[] = Array.from({ length: 6 }, (_, i) => ({ contextIds: [3 + i, 4, 1], responseIds: [10 + i, 11, 12 + i, 20] }));
  const objective = (o: Partial<DemiObjectiveConfig>): DemiObjectiveConfig => ({ lambda: 0.5, levels: 3, tau: 0.1, split: 'response', projectionDim: 8, ...o });

  test('lambda = 0 is plain MLE; M = 1 is one InfoNCE term; M = 3 gives three terms', () => {
    const model = new GPT(config, new SeededRandom(1));
    const heads = new DemiHeads(16, 8, new SeededRandom(2));
    const batch = makeDialogueBatch(examples, format, 3);
    tf.tidy(() => {
      const mle = dialogueLoss(model, heads, batch, objective({ lambda: 0 }));
      expect(mle.mi).toBeUndefined();
      expect(mle.loss.dataSync()[0]).toBe(mle.lm.dataSync()[0]);
      const one = dialogueLoss(model, heads, makeDialogueBatch(examples, format, 1), objective({ levels: 1 }));
      expect(one.mi!.terms).toHaveLength(1);
      const three = dialogueLoss(model, heads, batch, objective({}));
      expect(three.mi!.terms).toHaveLength(3);
      const expected = three.lm.dataSync()[0] - 0.5 * three.mi!.total.dataSync()[0];
      expect(three.loss.dataSync()[0]).toBeCloseTo(expected, 5);
      for (const t of three.mi!.terms) expect(t.dataSync()[0]).toBeLessThanOrEqual(Math.log(6) + 1e-5);
      const ctx = dialogueLoss(model, heads, batch, objective({ split: 'context' }));
      expect(ctx.mi!.terms).toHaveLength(2);
    });
    model.dispose();
    heads.dispose();
  });

  test('the conditional critic: level, difference or cumulative weights, term 1 unchanged', () => {
    const S = [[[1, 2], [3, 4]], [[0.5, 1], [2, -1]], [[2, 0], [1, 1]]].map((m) => tf.tensor2d(m));
    const read = (t: tf.Tensor | undefined) => (t ? t.arraySync() : undefined);
    const level = chainLevels(S, 'level') as { scores: tf.Tensor2D; logWeights?: tf.Tensor2D }[];
    expect(read(level[0].scores)).toEqual(read(S[0]));
    expect(level[0].logWeights).toBeUndefined();
    expect(read(level[2].logWeights)).toEqual(read(S[1]));
    const difference = chainLevels(S, 'difference') as typeof level;
    expect(read(difference[1].scores)).toEqual([[-0.5, -1], [-1, -5]]);
    expect(read(difference[1].logWeights)).toEqual(read(S[0]));
    const cumulative = chainLevels(S, 'cumulative') as typeof level;
    expect(read(cumulative[2].scores)).toEqual(read(S[2]));
    expect(read(cumulative[2].logWeights)).toEqual([[1.5, 3], [5, 3]]);
    tf.dispose([...S, ...[...level, ...difference, ...cumulative].flatMap((l) => [l.scores, l.logWeights ?? []]).flat()]);

    const model = new GPT(config, new SeededRandom(1));
    const heads = new DemiHeads(16, 8, new SeededRandom(2));
    const batch = makeDialogueBatch(examples, format, 3);
    const terms = (critic: 'level' | 'difference' | 'cumulative') => tf.tidy(() =>
      dialogueLoss(model, heads, batch, objective({ conditionalCritic: critic })).mi!.terms.map((t) => t.dataSync()[0]));
    const [l, d, c] = [terms('level'), terms('difference'), terms('cumulative')];
    expect(d[0]).toBeCloseTo(l[0], 6);
    expect(c[0]).toBeCloseTo(l[0], 6);
    expect(d[1]).not.toBeCloseTo(l[1], 4);
    // With M = 3, term 2 has the same weights (S_1) under 'level' and 'cumulative'; term 3 does not.
    expect(c[1]).toBeCloseTo(l[1], 6);
    expect(c[2]).not.toBeCloseTo(l[2], 4);
    model.dispose();
    heads.dispose();
  });

  test('per-level heads: each prefix level is scored through its own g, which the loss trains', () => {
    const model = new GPT(config, new SeededRandom(1));
    const heads = new DemiHeads(16, 8, new SeededRandom(2), 3);
    const shared = new DemiHeads(16, 8, new SeededRandom(2));
    const batch = makeDialogueBatch(examples, format, 3);
    const obj = objective({ levels: 3, perLevelHeads: true, conditionalCritic: 'cumulative' });
    const vars = { ...model.variables, ...heads.variables };
    const { grads } = tf.variableGrads(() => dialogueLoss(model, heads, batch, obj).loss, Object.values(vars));
    for (const name of ['demi.g_proj.level1.weight', 'demi.g_proj.level2.weight', 'demi.g_proj.weight']) {
      expect(tf.tidy(() => tf.norm(grads[vars[name].name]).dataSync()[0])).toBeGreaterThan(0);
    }
    tf.dispose(grads);
    // The shared head and the whole-response head start from the same seed: level 3 (the whole response)
    // scores alike, levels 1-2 differ.
    const terms = (h: DemiHeads) => tf.tidy(() => dialogueLoss(model, h, batch, obj).mi!.terms.map((t) => t.dataSync()[0]));
    const [own, one] = [terms(heads), terms(shared)];
    expect(own[0]).not.toBeCloseTo(one[0], 4);
    model.dispose();
    heads.dispose();
    shared.dispose();
  });

  test('the MI term trains the critic heads and the transformer; the loss leaks no tensors', async () => {
    const model = new GPT(config, new SeededRandom(1));
    const heads = new DemiHeads(16, 8, new SeededRandom(2));
    const batch = makeDialogueBatch(examples, format, 2);
    const vars = { ...model.variables, ...heads.variables };
    const { grads } = tf.variableGrads(() => dialogueLoss(model, heads, batch, objective({ levels: 2 })).loss, Object.values(vars));
    const norm = (name: string) => tf.tidy(() => tf.norm(grads[vars[name].name]).dataSync()[0]);
    expect(norm('demi.g_proj.weight')).toBeGreaterThan(0);
    expect(norm('demi.f_proj.weight')).toBeGreaterThan(0);
    expect(norm('transformer.h.0.attn.c_attn.weight')).toBeGreaterThan(0);
    tf.dispose(grads);
    await expectTensorCountFlat(() => tf.dispose(dialogueLoss(model, heads, batch, objective({})) as unknown as tf.TensorContainer), 3);
    model.dispose();
    heads.dispose();
  });

  test('on a learnable corpus the LM learns and the DEMI critic separates true from in-batch contexts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demi-obj-'));
    const corpus = writeToyCorpus(dir);
    const tokenizer = await toyTokenizer(dir, corpus.text);
    const fmt = { sepId: tokenizer.sepId!, eosId: tokenizer.eosId!, padId: tokenizer.padId! };
    const encoded = toyEpisodes(200, 3).flatMap((e) => e.turns.slice(1).map((_, i) =>
      encodeExample(e.turns.slice(0, i + 1), e.turns[i + 1], tokenizer, fmt, { blockSize: 48 })));
    const model = new GPT({ ...config, vocabSize: tokenizer.vocabSize, blockSize: 48, dModel: 32 }, new SeededRandom(4));
    const heads = new DemiHeads(32, 16, new SeededRandom(5));
    const optimizer = new AdamW({ learningRate: 3e-3 });
    const batcher = new ExampleBatcher(encoded, 16, 6);
    const obj = objective({ levels: 2, lambda: 1 });
    const vars = { ...model.variables, ...heads.variables };
    const history: { lm: number; mi1: number }[] = [];
    for (let step = 0; step < 250; step++) {
      const batch = makeDialogueBatch(batcher.next(), fmt, 2);
      let lm = 0;
      let mi1 = 0;
      const { value, grads } = tf.variableGrads(() => {
        const out = dialogueLoss(model, heads, batch, obj);
        lm = out.lm.dataSync()[0];
        mi1 = out.mi!.terms[0].dataSync()[0];
        return out.loss;
      }, Object.values(vars));
      optimizer.apply(vars, grads);
      value.dispose();
      tf.dispose(grads);
      history.push({ lm, mi1 });
    }
    const first = history.slice(0, 5);
    const last = history.slice(-10);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(last.map((h) => h.lm))).toBeLessThan(mean(first.map((h) => h.lm)) - 1.5);
    expect(mean(last.map((h) => h.mi1))).toBeGreaterThan(1);
    optimizer.dispose();
    model.dispose();
    heads.dispose();
  }, 120000);
});
