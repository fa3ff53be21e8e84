/**
 * The size of each update, not only that training runs: the learning-rate schedule, AdamW's
 * bias-corrected first step, global-norm clipping, and scaled attention on left-padded rows.
 */
import { tf, selectBackend, AdamW, clipByGlobalNorm } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { learningRateAt } from '../../model/training/index.js';
import { GPT } from '../../model/transformer/index.js';

beforeAll(() => selectBackend());

test('warmup rises linearly from peak / warmup, cosine decay ends at minRatio x peak', () => {
  const c = { peak: 1e-3, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 };
  expect(learningRateAt(1, c)).toBeCloseTo(1e-4, 12);
  expect(learningRateAt(5, c)).toBeCloseTo(5e-4, 12);
  expect(learningRateAt(10, c)).toBeCloseTo(1e-3, 12);
  // half-way through the decay the cosine is at its midpoint: minRatio + (1 - minRatio) / 2
  expect(learningRateAt(60, c)).toBeCloseTo(1e-3 * 0.55, 12);
  expect(learningRateAt(110, c)).toBeCloseTo(1e-4, 12);
});

// the native fused kernel where it is registered, and the composed TF.js update on the cpu backend
test.each(['native kernel', 'cpu'])("AdamW's first step moves each weight by lr x g / (|g| + eps): the bias correction at work (%s)", (path) => {
  const host = tf.getBackend();
  if (path === 'cpu') tf.setBackend('cpu');
  const w = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
  const g = tf.tensor1d([0.3, -0.01, 2, 0]);
  const optimizer = new AdamW({ learningRate: 0.1, weightDecay: 0 });
  optimizer.apply({ w }, { w: g });
  const moved = Array.from(w.dataSync()).map((v, i) => [1, -2, 3, 0.5][i] - v);
  // without bias correction the first step would be (1 - beta1) / sqrt(1 - beta2) = 3.16x smaller
  [0.1, -0.1, 0.1, 0].forEach((expected, i) => expect(moved[i]).toBeCloseTo(expected, 5));
  optimizer.dispose();
  tf.dispose([w, g]);
  tf.setBackend(host);
});

test("AdamW's moments updated in place: a saved state stays as saved, a restored one continues the same run, the variable's other readers keep the old weights", () => {
  const start = [0.5, -1, 2, 0.25];
  const grads = [[0.3, -0.2, 1, 0.5], [-0.1, 0.4, 0.2, -0.3], [0.6, 0.1, -0.5, 0.2]].map((g) => tf.tensor1d(g));
  const w = tf.variable(tf.tensor1d(start));
  const optimizer = new AdamW({ learningRate: 0.05, weightDecay: 0.01 });
  optimizer.apply({ w }, { w: grads[0] });
  const saved = optimizer.getState();
  const savedM = Array.from(saved.moments.w.m);
  const weightsAtSave = tf.clone(w);
  const before = Array.from(weightsAtSave.dataSync());
  optimizer.apply({ w }, { w: grads[1] });
  optimizer.apply({ w }, { w: grads[2] });
  expect(Array.from(saved.moments.w.m)).toEqual(savedM);
  expect(Array.from(weightsAtSave.dataSync())).toEqual(before);
  // resuming from the saved state replays the last two steps exactly
  const resumed = new AdamW({ learningRate: 0.05, weightDecay: 0.01 });
  const w2 = tf.variable(tf.tensor1d(before));
  resumed.setState(saved, { w: w2 });
  resumed.apply({ w: w2 }, { w: grads[1] });
  resumed.apply({ w: w2 }, { w: grads[2] });
  expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
  expect(Array.from(saved.moments.w.m)).toEqual(savedM);
  [optimizer, resumed].forEach((o) => o.dispose());
  tf.dispose([w, w2, weightsAtSave, ...grads]);
});

test('clipping scales the global norm down to maxNorm and leaves smaller gradients alone', () => {
  const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[0, 12]]) }; // global norm 13
  const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
  expect(norm).toBeCloseTo(13, 5);
  const after = Math.sqrt(Object.values(clipped).reduce((s, t) => s + t.square().sum().dataSync()[0], 0));
  expect(after).toBeCloseTo(1, 5);
  expect(Array.from(clipped.a.dataSync())).toEqual([3 / 13, 4 / 13].map((v) => expect.closeTo(v, 6)));
  const small = { a: tf.tensor1d([0.3, 0.4]) };
  const kept = clipByGlobalNorm(small, 1);
  expect(kept.grads.a).toBe(small.a);
  tf.dispose([...Object.values(clipped), small.a]);
});

test('a left-padded row has the hidden states of the same prompt alone (the masked attention is scaled too)', () => {
  const model = new GPT({ vocabSize: 40, blockSize: 12, nLayer: 2, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 }, new SeededRandom(5));
  // larger weights make the attention logits large enough that a missing 1/sqrt(d) changes the result
  for (const v of Object.values(model.variables)) v.assign(tf.mul(v, 3));
  const prompt = [7, 3, 19, 30, 2];
  const alone = model.hidden(tf.tensor2d([prompt], [1, 5], 'int32'));
  const padded = model.hidden(tf.tensor2d([[0, 0, ...prompt], [1, 2, 3, 4, 5, 6, 7]], [2, 7], 'int32'), { leftPadding: [2, 0] });
  const expected = alone.dataSync();
  const actual = tf.slice(padded, [0, 2, 0], [1, 5, 16]).dataSync();
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(1e-4);
  tf.dispose([alone, padded]);
  model.dispose();
});
