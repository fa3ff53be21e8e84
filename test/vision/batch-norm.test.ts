/** BatchNorm: PyTorch semantics in training (batch stats, momentum 0.1, unbiased running variance) and evaluation (running stats). */
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { BatchNorm, Params } from '../../model/vision/index.js';

beforeAll(async () => {
  await selectBackend();
});

test('training: normalises with batch statistics and updates the running ones', () => {
  const params = new Params(new SeededRandom(1));
  const bn = new BatchNorm(params, 'bn', 2);
  // two channels, 4 rows: channel 0 = 1,2,3,4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1 = 10 each
  const x = tf.tensor2d([[1, 10], [2, 10], [3, 10], [4, 10]]);
  const y = bn.apply(x, true);
  const expected0 = [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25 + 1e-5));
  const out = y.arraySync() as number[][];
  out.forEach((row, i) => {
    expect(row[0]).toBeCloseTo(expected0[i], 5);
    expect(row[1]).toBeCloseTo(0, 5);
  });
  const rm = bn.runningMean.dataSync();
  const rv = bn.runningVar.dataSync();
  expect(rm[0]).toBeCloseTo(0.25, 6); // 0.9·0 + 0.1·2.5
  expect(rm[1]).toBeCloseTo(1, 6);
  expect(rv[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
  expect(rv[1]).toBeCloseTo(0.9, 6);
  tf.dispose([x, y]);
  params.dispose();
});

test('evaluation: uses the running statistics and changes nothing; NHWC reduces over N, H, W', () => {
  const params = new Params(new SeededRandom(1));
  const bn = new BatchNorm(params, 'bn', 3);
  bn.runningMean.assign(tf.tensor1d([1, 2, 3]));
  bn.runningVar.assign(tf.tensor1d([4, 1, 0.25]));
  bn.gamma.assign(tf.tensor1d([2, 1, 1]));
  bn.beta.assign(tf.tensor1d([0, 1, 0]));
  const x = tf.ones([2, 2, 2, 3]);
  const y = bn.apply(x, false).dataSync();
  expect(y[0]).toBeCloseTo((2 * (1 - 1)) / Math.sqrt(4 + 1e-5), 5);
  expect(y[1]).toBeCloseTo((1 - 2) / Math.sqrt(1 + 1e-5) + 1, 5);
  expect(y[2]).toBeCloseTo((1 - 3) / Math.sqrt(0.25 + 1e-5), 4);
  expect(Array.from(bn.runningMean.dataSync())).toEqual([1, 2, 3]);
  // training on NHWC: per-channel statistics over 2·2·2 = 8 values
  const z = tf.tensor4d(new SeededRandom(3).normalArray(8 * 3, 2, 5), [2, 2, 2, 3]);
  const out = bn.apply(z, true);
  const { mean, variance } = tf.moments(tf.div(tf.sub(out, bn.beta), bn.gamma), [0, 1, 2]);
  mean.dataSync().forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
  variance.dataSync().forEach((v) => expect(v).toBeCloseTo(1, 3));
  tf.dispose([x, z, out, mean, variance]);
  params.dispose();
});

test('gradients reach gamma and beta; running statistics are not trainable', () => {
  const params = new Params(new SeededRandom(1));
  const bn = new BatchNorm(params, 'bn', 2);
  const x = tf.tensor2d([[1, 5], [3, 2], [0, 1]]);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, true), tf.tensor2d([[1, 2], [3, 4], [5, 6]]))) as tf.Scalar, Object.values(params.trainable()));
  expect(Object.keys(params.trainable()).sort()).toEqual(['bn.bias', 'bn.weight']);
  expect(grads[bn.beta.name].dataSync()).toEqual(new Float32Array([9, 12]));
  expect(Math.abs(grads[bn.gamma.name].dataSync()[0])).toBeGreaterThan(0.1);
  tf.dispose([x, ...Object.values(grads)]);
  params.dispose();
});
