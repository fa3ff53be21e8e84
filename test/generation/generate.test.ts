import { tf, selectBackend } from '../../model/engine/index.js';
import type { GPT } from '../../model/transformer/index.js';
import {
  generate, GenerationConfigError, GenerationInputError, type GenerationResult, type TokenDecoder,
} from '../../model/generation/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';
import { letterTokenizer, tinyModel } from './helpers.js';

const V = 64;
let model: GPT;
const tokenizer = letterTokenizer;
const PROMPT = [5, 9, 2, 44, 7];

beforeAll(async () => {
  await selectBackend();
  model = tinyModel(V, 1);
});
afterAll(() => model.dispose());

/** Independent greedy reference: the full sequence through GPT.forward every step, argmax of the last position. */
function referenceGreedy(m: GPT, prompt: number[], steps: number): number[] {
  const ids = [...prompt];
  for (let i = 0; i < steps; i++) {
    const next = tf.tidy(() => {
      const logits = m.forward(tf.tensor2d(ids, [1, ids.length], 'int32'));
      return tf.argMax(tf.squeeze(tf.slice(logits, [0, ids.length - 1, 0], [1, 1, -1]))).dataSync()[0];
    });
    ids.push(next);
  }
  return ids.slice(prompt.length);
}

describe('greedy', () => {
  test('matches argmax of the full forward each step, with and without the KV cache', async () => {
    const expected = referenceGreedy(model, PROMPT, 12);
    const cached = await generate(model, PROMPT, { maxNewTokens: 12 }, { tokenizer });
    const uncached = await generate(model, PROMPT, { maxNewTokens: 12, useCache: false }, { tokenizer });
    expect(cached.tokenIds).toEqual(expected);
    expect(uncached.tokenIds).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(2); // the tiny model is not degenerate
    expect(cached.text).toBe(tokenizer.decode(expected));
    expect(cached.finishReason).toBe('length');
    expect(cached.usage).toEqual({ promptTokens: 5, completionTokens: 12 });
    expect(cached.timings.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(cached.timings.totalMs).toBeGreaterThanOrEqual(cached.timings.firstTokenMs!);
  });

  test('EOS ends the sequence (excluded from tokenIds, counted in usage)', async () => {
    const free = (await generate(model, PROMPT, { maxNewTokens: 12 }, { tokenizer })).tokenIds;
    const eos = free[4];
    const at = free.indexOf(eos);
    const r = await generate(model, PROMPT, { maxNewTokens: 12, eosTokenId: eos }, { tokenizer });
    expect(r.finishReason).toBe('eos');
    expect(r.tokenIds).toEqual(free.slice(0, at));
    expect(r.usage.completionTokens).toBe(at + 1);
    // several EOS ids: the first one produced ends it
    const r2 = await generate(model, PROMPT, { maxNewTokens: 12, eosTokenId: [free[6], eos] }, { tokenizer });
    expect(r2.tokenIds).toEqual(free.slice(0, Math.min(at, free.indexOf(free[6]))));
  });

  test('minNewTokens suppresses EOS until reached (HF MinNewTokensLengthLogitsProcessor)', async () => {
    const free = (await generate(model, PROMPT, { maxNewTokens: 12 }, { tokenizer })).tokenIds;
    const eos = free[0];
    const early = await generate(model, PROMPT, { maxNewTokens: 12, eosTokenId: eos }, { tokenizer });
    expect(early.tokenIds).toEqual([]);
    const r = await generate(model, PROMPT, { maxNewTokens: 12, eosTokenId: eos, minNewTokens: 3 }, { tokenizer });
    expect(r.tokenIds.length).toBeGreaterThanOrEqual(3);
    expect(r.tokenIds.slice(0, 3)).not.toContain(eos);
  });

  test('a prompt longer than blockSize - maxNewTokens keeps its most recent tokens', async () => {
    const long = Array.from({ length: 40 }, (_, i) => (i * 7 + 3) % V);
    const r = await generate(model, long, { maxNewTokens: 8 }, { tokenizer }); // blockSize 32 -> room 24
    expect(r.usage.promptTokens).toBe(24);
    const tail = await generate(model, long.slice(16), { maxNewTokens: 8 }, { tokenizer });
    expect(r.tokenIds).toEqual(tail.tokenIds);
  });

  test('generation stops at the block size with finish reason length', async () => {
    const r = await generate(model, [1, 2, 3], { maxNewTokens: 100 }, { tokenizer }); // room max(1, 32 - 100) = 1
    expect(r.usage.promptTokens).toBe(1);
    expect(r.tokenIds).toHaveLength(31);
    expect(r.finishReason).toBe('length');
  });
});

describe('sampling', () => {
  const sampling = { doSample: true, temperature: 1.3, topK: 20, topP: 0.95, maxNewTokens: 16 };
  test('same seed, same text; another seed, other text', async () => {
    const a = await generate(model, PROMPT, { ...sampling, seed: 7 }, { tokenizer });
    const b = await generate(model, PROMPT, { ...sampling, seed: 7 }, { tokenizer });
    const c = await generate(model, PROMPT, { ...sampling, seed: 8 }, { tokenizer });
    const greedy = await generate(model, PROMPT, { maxNewTokens: 16 }, { tokenizer });
    expect(a.text).toBe(b.text);
    expect(c.text).not.toBe(a.text);
    expect(a.text).not.toBe(greedy.text);
    const uncached = await generate(model, PROMPT, { ...sampling, seed: 7, useCache: false }, { tokenizer });
    expect(uncached.text).toBe(a.text);
  });

  test('top-k 1 sampling is greedy', async () => {
    const greedy = await generate(model, PROMPT, { maxNewTokens: 10 }, { tokenizer });
    const k1 = await generate(model, PROMPT, { doSample: true, topK: 1, maxNewTokens: 10, seed: 3 }, { tokenizer });
    expect(k1.tokenIds).toEqual(greedy.tokenIds);
  });

  test('without a seed the caller\'s SeededRandom is used (and advanced)', async () => {
    const { SeededRandom } = await import('../../core/index.js');
    const r1 = new SeededRandom(99);
    const r2 = new SeededRandom(99);
    const a = await generate(model, PROMPT, { ...sampling }, { tokenizer, random: r1 });
    const b = await generate(model, PROMPT, { ...sampling }, { tokenizer, random: r2 });
    const a2 = await generate(model, PROMPT, { ...sampling }, { tokenizer, random: r1 });
    expect(b.text).toBe(a.text);
    expect(a2.text).not.toBe(a.text);
  });
});

describe('stop strings', () => {
  test('stops when the text contains one; the stop string is cut from the text, not from tokenIds', async () => {
    const free = await generate(model, PROMPT, { maxNewTokens: 16 }, { tokenizer });
    const stop = free.text.slice(6, 8);
    const at = free.text.indexOf(stop);
    const deltas: string[] = [];
    const r = await generate(model, PROMPT, { maxNewTokens: 16, stopStrings: ['zzzzzz', stop] }, { tokenizer, onText: (d) => deltas.push(d) });
    expect(r.finishReason).toBe('stop');
    expect(r.text).toBe(free.text.slice(0, at));
    expect(r.tokenIds).toEqual(free.tokenIds.slice(0, at + stop.length)); // one letter per token
    expect(deltas.join('')).toBe(r.text);
    // a stop string that never occurs changes nothing
    const none = await generate(model, PROMPT, { maxNewTokens: 16, stopStrings: 'qqqqqqqq' }, { tokenizer });
    expect(none.text).toBe(free.text);
    expect(none.finishReason).toBe('length');
  });
});

describe('streaming', () => {
  test('batch streaming tags deltas with the sequence index', async () => {
    const parts: string[][] = [[], []];
    const results = await generate(model, [PROMPT, [3, 1]], { maxNewTokens: 6 }, { tokenizer, onText: (d, i) => parts[i].push(d) });
    expect(parts.map((p) => p.join(''))).toEqual(results.map((r) => r.text));
  });
});

describe('cancellation', () => {
  test('abort in the callback after the first delta: at most one more token, finish reason cancelled', async () => {
    let decodedAtAbort = -1;
    let lastDecoded = 0;
    const counting: TokenDecoder = { decode: (ids) => { lastDecoded = ids.length; return letterTokenizer.decode(ids); } };
    const controller = new AbortController();
    const r = await generate(model, PROMPT, { maxNewTokens: 20 }, {
      tokenizer: counting, signal: controller.signal,
      onText: () => { if (decodedAtAbort < 0) { decodedAtAbort = lastDecoded; controller.abort(); } },
    });
    expect(decodedAtAbort).toBe(1);
    expect(r.finishReason).toBe('cancelled');
    expect(r.tokenIds.length).toBeLessThanOrEqual(decodedAtAbort + 1);
  });

  test('an abort from outside gets in between tokens; an aborted signal generates nothing', async () => {
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    const r = await generate(model, PROMPT, { maxNewTokens: 25 }, { tokenizer, signal: controller.signal });
    expect(r.finishReason).toBe('cancelled');
    expect(r.tokenIds.length).toBeLessThan(25);
    const before = await generate(model, PROMPT, { maxNewTokens: 5 }, { tokenizer, signal: AbortSignal.abort() });
    expect(before).toMatchObject({ tokenIds: [], text: '', finishReason: 'cancelled', timings: { firstTokenMs: null } });
  });
});

describe('batches', () => {
  const prompts = [[5, 9, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9], [40, 41, 42, 43, 44], [17], [20, 21, 22]];
  const alone = async (config: object) => {
    const out: GenerationResult[] = [];
    for (const p of prompts) out.push(await generate(model, p, config, { tokenizer }));
    return out;
  };
  test('left-padded rows generate what each prompt generates alone (greedy, cache on and off, rows finishing early)', async () => {
    const free = await alone({ maxNewTokens: 10 });
    const eos = free[2].tokenIds[3]; // some rows stop early on it
    for (const config of [{ maxNewTokens: 10 }, { maxNewTokens: 10, useCache: false }, { maxNewTokens: 10, eosTokenId: eos }]) {
      const expected = await alone(config);
      const batch = await generate(model, prompts, config, { tokenizer });
      expect(batch.map((r) => r.tokenIds)).toEqual(expected.map((r) => r.tokenIds));
      expect(batch.map((r) => r.finishReason)).toEqual(expected.map((r) => r.finishReason));
      expect(batch.map((r) => r.usage)).toEqual(expected.map((r) => r.usage));
    }
    const withEos = await generate(model, prompts, { maxNewTokens: 10, eosTokenId: eos }, { tokenizer });
    expect(withEos.some((r) => r.finishReason === 'eos')).toBe(true);
    expect(withEos.some((r) => r.finishReason === 'length')).toBe(true);
  });

  test('equal-length batch and sampling: row 0 samples what the prompt alone samples', async () => {
    const config = { doSample: true, maxNewTokens: 8, seed: 5 };
    const batch = await generate(model, [[5, 9, 2], [1, 2, 3], [7, 7, 7]], config, { tokenizer });
    const first = await generate(model, [5, 9, 2], config, { tokenizer });
    expect(batch[0].tokenIds).toEqual(first.tokenIds);
    const ragged = await generate(model, [[5, 9, 2], [1, 2, 3, 4, 5]], config, { tokenizer });
    expect(ragged[0].tokenIds).toEqual(first.tokenIds);
  });
});

describe('memory', () => {
  test('repeated generation keeps the tensor count flat', async () => {
    await expectTensorCountFlat(async () => {
      await generate(model, PROMPT, { maxNewTokens: 5 }, { tokenizer });
      await generate(model, PROMPT, { maxNewTokens: 5, useCache: false }, { tokenizer });
      await generate(model, [PROMPT, [1, 2]], { maxNewTokens: 5, doSample: true, seed: 1 }, { tokenizer });
      await generate(model, [PROMPT, [1, 2]], { maxNewTokens: 5, numBeams: 3 }, { tokenizer });
      await generate(model, PROMPT, { maxNewTokens: 5 }, { tokenizer, signal: AbortSignal.abort() });
    }, 2);
  });

  test('a callback that throws still frees the cache', async () => {
    const before = tf.memory().numTensors;
    await expect(generate(model, PROMPT, { maxNewTokens: 5 }, { tokenizer, onText: () => { throw new Error('client gone'); } }))
      .rejects.toThrow('client gone');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('validation', () => {
  test('bad configs and inputs are typed errors that say what to do', async () => {
    await expect(generate(model, PROMPT, { maxNewTokens: 0 }, { tokenizer })).rejects.toThrow(GenerationConfigError);
    await expect(generate(model, PROMPT, { topP: 1.5 }, { tokenizer })).rejects.toThrow(/topP/);
    await expect(generate(model, PROMPT, { maxTokens: 5 } as object, { tokenizer })).rejects.toThrow(/maxTokens/);
    await expect(generate(model, PROMPT, { minNewTokens: 9, maxNewTokens: 4, eosTokenId: 1 }, { tokenizer })).rejects.toThrow(/minNewTokens/);
    await expect(generate(model, PROMPT, { minNewTokens: 2 }, { tokenizer })).rejects.toThrow(/eosTokenId/);
    await expect(generate(model, PROMPT, { numBeams: 2, doSample: true }, { tokenizer })).rejects.toThrow(/beam sampling/);
    await expect(generate(model, [], {}, { tokenizer })).rejects.toThrow(GenerationInputError);
    await expect(generate(model, [[1], []], {}, { tokenizer })).rejects.toThrow(/prompt 1 is empty/);
    await expect(generate(model, [1, V], {}, { tokenizer })).rejects.toThrow(/outside the model's vocabulary/);
    await expect(generate(model, [1], { eosTokenId: V + 3 }, { tokenizer })).rejects.toThrow(/eosTokenId/);
  });
});
