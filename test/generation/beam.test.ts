/**
 * Beam search against Hugging Face's BeamSearchScorer / BeamHypotheses semantics, worked out by hand
 * on a Markov "model" (next-token log-probs depend only on the last token), and exhaustively on a
 * tiny GPT.
 */
import { tf, selectBackend } from '../../model/engine/index.js';
import type { GPT } from '../../model/transformer/index.js';
import { generate, BeamHypotheses, type GenerationResult } from '../../model/generation/index.js';
import { letterTokenizer, markovModel, tinyModel } from './helpers.js';

beforeAll(() => selectBackend());
const tokenizer = letterTokenizer;

describe('BeamHypotheses (HF)', () => {
  test('score = sum_logprobs / generated_len ** length_penalty; keeps the n best; worst_score tracks them', () => {
    const h = new BeamHypotheses(2, 2, false, 10);
    h.add([1], -2, 2, true); // -0.5
    expect(h.worstScore).toBe(-0.5);
    h.add([2], -4, 4, true); // -0.25
    expect(h.worstScore).toBe(-0.5);
    h.add([3], -9, 3, true); // -1: worse than the worst with the list full -> not added
    expect(h.beams.map((b) => b.tokens)).toEqual([[1], [2]]);
    h.add([4], -1, 4, true); // -0.0625 -> replaces [1]; worst becomes -0.25
    expect(h.beams.map((b) => b.tokens)).toEqual([[2], [4]]);
    expect(h.worstScore).toBe(-0.25);
    expect(h.best()!.tokens).toEqual([4]);
  });
  test('is_done: never before n hypotheses; true stops at once; false uses cur_len; "never" uses max_length when lp > 0', () => {
    const make = (early: boolean | 'never') => {
      const h = new BeamHypotheses(1, 1, early, 10);
      h.add([1], -3, 3, true); // worst -1
      return h;
    };
    expect(new BeamHypotheses(1, 1, true, 10).isDone(-1, 1)).toBe(false);
    expect(make(true).isDone(-100, 4)).toBe(true);
    expect(make(false).isDone(-4, 4)).toBe(true); // -1 >= -4 / 4
    expect(make(false).isDone(-3.9, 4)).toBe(false); // -1 < -0.975
    expect(make('never').isDone(-4, 4)).toBe(false); // -1 < -4 / 10
    expect(make('never').isDone(-10, 4)).toBe(true); // -1 >= -10 / 10
  });
});

describe('beam search on a Markov chain (hand-computed HF semantics)', () => {
  // tokens: 0 start, 1 'a', 2 'b', 3 EOS; rows are next-token probabilities
  const P = [
    [0, 0.5, 0.4, 0.1], // after start
    [0, 0.3, 0.3, 0.4], // after a
    [0, 0.05, 0.05, 0.9], // after b
    [0, 0.5, 0.5, 0], // after EOS (never used)
  ];
  let model: GPT;
  beforeAll(() => { model = markovModel(P.map((row) => row.map(Math.log))); });
  afterAll(() => model.dispose());
  const run = (config: object) => generate(model, [0], { eosTokenId: 3, numBeams: 2, maxNewTokens: 5, ...config }, { tokenizer });

  test('greedy takes a then EOS; beam search finds b EOS (0.36 > 0.2)', async () => {
    expect((await generate(model, [0], { eosTokenId: 3, maxNewTokens: 5 }, { tokenizer })).tokenIds).toEqual([1]);
    // step 1: beams a (ln .5), b (ln .4); EOS (ln .1) ranks 3rd of 4 candidates >= num_beams -> ignored
    // step 2: candidates b.EOS ln .36, a.EOS ln .2, aa ln .15, ab ln .15 -> hypotheses [b] ln(.36)/2, [a] ln(.2)/2
    // early_stopping=True: 2 hypotheses -> done
    const r = await run({ lengthPenalty: 1, earlyStopping: true });
    expect(r.tokenIds).toEqual([2]);
    expect(r.finishReason).toBe('eos');
    expect(r.score).toBeCloseTo(Math.log(0.36) / 2, 5); // EOS counts in the length
    expect(r.usage).toEqual({ promptTokens: 1, completionTokens: 2 });
  });

  test('length_penalty 2 with early_stopping False/"never" keeps searching and prefers a longer hypothesis', async () => {
    // step 2: [b] ln(.36)/4 = -0.2554, [a] ln(.2)/4 = -0.4024; not done: -0.4024 < ln(.36)/2**2
    // step 3: [a b] ln(.045)/9 = -0.2225 replaces [a]; not done: worst -0.2554 < -0.2225
    // step 4: [a a b] ln(.0405)/16 = -0.2004 replaces [b]; not done
    // step 5: [a a a b] ln(.01215)/25 = -0.1764 replaces [a b]; [a a a a] ln(.0081)/25 = -0.2089 is not added;
    //         max length: running beams ln(.00405)/25 = -0.2204 are worse than the worst kept
    for (const earlyStopping of [false, 'never'] as const) {
      const r = await run({ lengthPenalty: 2, earlyStopping });
      expect(r.tokenIds).toEqual([1, 1, 1, 2]);
      expect(r.score).toBeCloseTo(Math.log(0.5 * 0.3 ** 3 * 0.9) / 25, 5);
      expect(r.finishReason).toBe('eos');
    }
    const early = await run({ lengthPenalty: 2, earlyStopping: true });
    expect(early.tokenIds).toEqual([2]);
    expect(early.score).toBeCloseTo(Math.log(0.36) / 4, 5);
  });

  test('max length: the best of finished and running hypotheses', async () => {
    // maxNewTokens 3, lp 2: after step 3 the hypotheses are [a b] (-0.2225) and [b] (-0.2554);
    // running [a a a], [a a b] join with ln(.0225)/9 = -0.4222 and do not make it
    const r = await run({ lengthPenalty: 2, maxNewTokens: 3 });
    expect(r.tokenIds).toEqual([1, 2]);
    expect(r.score).toBeCloseTo(Math.log(0.5 * 0.3 * 0.9) / 9, 5);
    // maxNewTokens 1: no EOS within the top num_beams; the running beam a wins: ln(.5)/1
    const one = await run({ lengthPenalty: 1, maxNewTokens: 1 });
    expect(one.tokenIds).toEqual([1]);
    expect(one.finishReason).toBe('length');
    expect(one.score).toBeCloseTo(Math.log(0.5), 5);
  });

  test('min_new_tokens: EOS is -inf until 3 tokens are generated', async () => {
    // steps 1-3 without EOS: beams a/b, then aa/ab, then aaa/aab (ln .045 each);
    // step 4: aab.EOS ln(.0405) -> [a a b] ln(.0405)/4, aaa.EOS ln(.018) -> [a a a] ln(.018)/4; 2 hypotheses -> done
    const r = await run({ lengthPenalty: 1, earlyStopping: true, minNewTokens: 3 });
    expect(r.tokenIds).toEqual([1, 1, 2]);
    expect(r.score).toBeCloseTo(Math.log(0.5 * 0.3 * 0.3 * 0.9) / 4, 5);
    expect(r.usage.completionTokens).toBe(4);
  });
});

describe('quirk: in beam search the processors act on log-softmax scores, not raw logits', () => {
  // The same chain with every raw logit shifted by +10 (softmax is unchanged, raw logits are positive).
  // HF beam search: log_softmax first, then repetition penalty on the (negative) log-probs -> multiplied.
  // Prompt [3, 0] puts EOS (3) in input_ids, so EOS is penalised too (the prompt counts).
  // step 1: a ln .5, b ln .4, EOS 2 ln .1 -> beams a, b
  // step 2: b.EOS ln .4 + 2 ln .9 = -1.1270 (rank 0 -> hypothesis [b], -0.5635); ab -1.8971;
  //         a.EOS ln .5 + 2 ln .4 = -2.5257 (rank 2 >= num_beams -> ignored); aa ln .5 + 2 ln .3 = -3.1011
  // step 3: ab.EOS -1.8971 + 2 ln .9 = -2.1079 -> [a b] -0.7026; two hypotheses -> done (early_stopping)
  // Had the penalty divided the raw logits (+10), EOS after b would drop from p .9 to about .07 and b.EOS would lose.
  let model: GPT;
  beforeAll(() => { model = markovModel([[0, 0.5, 0.4, 0.1], [0, 0.3, 0.3, 0.4], [0, 0.05, 0.05, 0.9], [0, 0.5, 0.5, 0]].map((row) => row.map((p) => Math.log(p) + 10))); });
  afterAll(() => model.dispose());
  test('repetition penalty multiplies log-probs, once per id, prompt included', async () => {
    const r = await generate(model, [3, 0], { eosTokenId: 3, numBeams: 2, maxNewTokens: 5, earlyStopping: true, repetitionPenalty: 2 }, { tokenizer });
    expect(r.tokenIds).toEqual([2]);
    expect(r.score).toBeCloseTo((Math.log(0.4) + 2 * Math.log(0.9)) / 2, 5);
  });
});

describe('beam search on a tiny GPT', () => {
  let model: GPT;
  const V = 8;
  beforeAll(() => { model = tinyModel(V, 4, 16); });
  afterAll(() => model.dispose());

  test('with num_beams = vocab and 2 new tokens it finds the exhaustive best', async () => {
    const prompt = [3, 1, 4];
    const logp = (ids: number[]) => tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(ids, [1, ids.length], 'int32'));
      return tf.logSoftmax(tf.squeeze(tf.slice(logits, [0, ids.length - 1, 0], [1, 1, -1]))).arraySync() as number[];
    });
    let best = { sum: -Infinity, ids: [] as number[] };
    const first = logp(prompt);
    for (let a = 0; a < V; a++) {
      const second = logp([...prompt, a]);
      for (let b = 0; b < V; b++) if (first[a] + second[b] > best.sum) best = { sum: first[a] + second[b], ids: [a, b] };
    }
    const r = await generate(model, prompt, { numBeams: V, maxNewTokens: 2, lengthPenalty: 0.5 }, { tokenizer });
    expect(r.tokenIds).toEqual(best.ids);
    expect(r.score).toBeCloseTo(best.sum / 2 ** 0.5, 4);
    const greedy = await generate(model, prompt, { maxNewTokens: 2 }, { tokenizer });
    expect(greedy.tokenIds).not.toEqual([]); // sanity
  });

  test('batched (left-padded) beam search equals each prompt alone; the cache changes nothing', async () => {
    const prompts = [[3, 1, 4], [1, 5], [2, 6, 5, 3, 5], [7]];
    const config = { numBeams: 3, maxNewTokens: 6, eosTokenId: 0, lengthPenalty: 1.2 };
    const alone: GenerationResult[] = [];
    for (const p of prompts) alone.push(await generate(model, p, config, { tokenizer }));
    const batch = await generate(model, prompts, config, { tokenizer });
    const uncached = await generate(model, prompts, { ...config, useCache: false }, { tokenizer });
    expect(batch.map((r) => r.tokenIds)).toEqual(alone.map((r) => r.tokenIds));
    expect(uncached.map((r) => r.tokenIds)).toEqual(alone.map((r) => r.tokenIds));
    batch.forEach((r, i) => expect(r.score).toBeCloseTo(alone[i].score!, 4));
  });

  test('streaming gets the final text once; cancellation returns the best running beam', async () => {
    const deltas: string[] = [];
    const r = await generate(model, [3, 1, 4], { numBeams: 2, maxNewTokens: 5 }, { tokenizer, onText: (d) => deltas.push(d) });
    expect(deltas.join('')).toBe(r.text);
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    const c = await generate(model, [3, 1, 4], { numBeams: 2, maxNewTokens: 12 }, { tokenizer, signal: controller.signal });
    expect(c.finishReason).toBe('cancelled');
    expect(c.tokenIds.length).toBeLessThan(12);
  });
});
