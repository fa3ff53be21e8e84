import { tf, selectBackend, AdamW } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { GPT, KVCache, lmLoss, GPTShapeError, parameterShapes } from '../../model/transformer/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';

const config = { vocabSize: 50, blockSize: 16, nLayer: 2, nHead: 2, dModel: 16, dropout: 0.1, layerNormEpsilon: 1e-5 };

beforeAll(() => selectBackend());

test('HF GPT-2 parameter names and Conv1D [in, out] layouts', () => {
  const shapes = parameterShapes(config);
  expect(shapes.get('transformer.wte.weight')).toEqual([50, 16]);
  expect(shapes.get('transformer.h.1.attn.c_attn.weight')).toEqual([16, 48]);
  expect(shapes.get('transformer.h.0.mlp.c_proj.weight')).toEqual([64, 16]);
  expect(shapes.size).toBe(2 + 12 * 2 + 2);
});

test('logits with and without the KV cache agree to 1e-4', () => {
  const model = new GPT(config, new SeededRandom(3));
  const ids = tf.tensor2d([[5, 9, 2, 44, 7, 1, 30], [3, 3, 8, 12, 0, 49, 6]], [2, 7], 'int32');
  const full = model.forward(ids).arraySync() as number[][][];
  const cache = new KVCache(config.nLayer);
  const first = model.forward(tf.slice(ids, [0, 0], [2, 4]) as tf.Tensor2D, { cache }).arraySync() as number[][][];
  const stepwise = [...first[0].keys()].map((t) => [first[0][t], first[1][t]]);
  for (let t = 4; t < 7; t++) {
    const out = model.forward(tf.slice(ids, [0, t], [2, 1]) as tf.Tensor2D, { cache }).arraySync() as number[][][];
    stepwise.push([out[0][0], out[1][0]]);
  }
  let worst = 0;
  for (let t = 0; t < 7; t++) for (let b = 0; b < 2; b++) for (let v = 0; v < 50; v++) {
    worst = Math.max(worst, Math.abs(full[b][t][v] - stepwise[t][b][v]));
  }
  expect(worst).toBeLessThan(1e-4);
  cache.dispose();
  model.dispose();
});

test('a position never sees later tokens (causality)', () => {
  const model = new GPT(config, new SeededRandom(4));
  const a = model.forward(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32')).arraySync() as number[][][];
  const b = model.forward(tf.tensor2d([[1, 2, 9, 9]], [1, 4], 'int32')).arraySync() as number[][][];
  expect(b[0][1]).toEqual(a[0][1]);
  expect(b[0][2]).not.toEqual(a[0][2]);
  model.dispose();
});

test('the LM loss counts only labelled positions (context tokens are -1)', () => {
  const model = new GPT(config, new SeededRandom(5));
  const ids = tf.tensor2d([[4, 8, 15, 16, 23, 42]], [1, 6], 'int32');
  const logits = model.forward(ids);
  const all = lmLoss(logits, tf.tensor2d([[8, 15, 16, 23, 42, 1]], [1, 6], 'int32'));
  const responseOnly = lmLoss(logits, tf.tensor2d([[-1, -1, -1, 23, 42, 1]], [1, 6], 'int32'));
  expect(all.tokens).toBe(6);
  expect(responseOnly.tokens).toBe(3);
  const logp = tf.logSoftmax(logits).arraySync() as number[][][];
  const expected = -(logp[0][3][23] + logp[0][4][42] + logp[0][5][1]) / 3;
  expect(responseOnly.loss.dataSync()[0]).toBeCloseTo(expected, 4);
  model.dispose();
});

test('positions past the block size are a clear error', () => {
  const model = new GPT(config, new SeededRandom(6));
  expect(() => model.forward(tf.zeros([1, 17], 'int32') as tf.Tensor2D)).toThrow(GPTShapeError);
  model.dispose();
});

test('training steps with dropout keep the tensor count flat and learn', async () => {
  const model = new GPT(config, new SeededRandom(7));
  const optimizer = new AdamW({ learningRate: 3e-3, weightDecay: 0.01 });
  const random = new SeededRandom(8);
  const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], [1, 8], 'int32');
  const labels = tf.tensor2d([[2, 3, 4, 5, 6, 7, 8, 9]], [1, 8], 'int32');
  const losses: number[] = [];
  const step = () => {
    const { value, grads } = tf.variableGrads(() => lmLoss(model.forward(ids, { training: true, random }), labels).loss,
      Object.values(model.variables));
    optimizer.apply(model.variables, grads);
    losses.push(value.dataSync()[0]);
    value.dispose();
    tf.dispose(grads);
  };
  await expectTensorCountFlat(step, 20);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 1);
  optimizer.dispose();
  model.dispose();
});

test('the same seed gives the same dropout and the same losses', () => {
  const run = () => {
    const model = new GPT(config, new SeededRandom(11));
    const random = new SeededRandom(12);
    const out = model.forward(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), { training: true, random }).dataSync();
    model.dispose();
    return Array.from(out);
  };
  expect(run()).toEqual(run());
});

test('without a gradient tape a forward pass holds one layer\'s intermediates at a time, not every layer\'s', async () => {
  // Attention scores and probabilities dominate at this shape ([B, H, T, T] per layer); a peak that grows
  // with depth is what overflowed the wasm heap for batches of 128 at 256 tokens.
  const wide = { ...config, blockSize: 64, nHead: 4, dModel: 32, dropout: 0 };
  const ids = tf.tensor2d(Int32Array.from({ length: 8 * 64 }, (_, i) => (i * 7) % 50), [8, 64], 'int32');
  const peakOf = async (nLayer: number) => {
    const model = new GPT({ ...wide, nLayer }, new SeededRandom(5));
    const profile = await tf.profile(() => { tf.tidy(() => { model.hidden(ids).dataSync(); }); });
    model.dispose();
    return profile.peakBytes - profile.newBytes;
  };
  const one = await peakOf(1);
  const four = await peakOf(4);
  expect(four).toBeLessThan(1.5 * one);
  ids.dispose();
});
