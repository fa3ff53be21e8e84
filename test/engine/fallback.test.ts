/**
 * The pure-JS path (no addon): wasm with the JS fixes must still be correct and still train.
 * Compared against stock TF.js cpu kernels.
 */
import { tf, selectBackend, AdamW, gelu, layerNorm, causalSoftmax, sparseSoftmaxCrossEntropy } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { GPT, lmLoss } from '../../model/transformer/index.js';

const rng = new SeededRandom(99);
const rand = (shape: number[]) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);

beforeAll(async () => {
  const info = await selectBackend('wasm');
  expect(info.nativeKernels).toBe(false);
});

function onBoth(fn: () => tf.Tensor | tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = (b: string) => {
    tf.setBackend(b);
    return tf.tidy(() => { const o = fn(); return (Array.isArray(o) ? o : [o]).map((t) => t.dataSync() as Float32Array); });
  };
  const ref = run('cpu');
  const got = run('wasm');
  return [got, ref];
}

function expectClose(fn: () => tf.Tensor | tf.Tensor[], tol = 1e-4) {
  const [got, ref] = onBoth(fn);
  got.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - ref[k][i])).toBeLessThan(tol * (1 + Math.abs(ref[k][i])))));
}

test('transposed and batched matmuls, with gradients', () => {
  const a = rand([3, 5, 7]);
  const b = rand([3, 4, 7]);
  expectClose(() => tf.matMul(a, b, false, true));
  expectClose(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, false, true))))([a, b]));
  const bias = rand([4]);
  const c = rand([6, 7]) as tf.Tensor2D;
  const d = rand([4, 7]) as tf.Tensor2D;
  expectClose(() => tf.fused.matMul({ a: c, b: d, transposeB: true, bias, activation: 'relu' }));
});

test('embedding gradient and conv filter gradient exist and are right', () => {
  const table = rand([6, 3]);
  const ids = tf.tensor1d([1, 5, 1, 0], 'int32');
  expectClose(() => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, ids))))(table));
  const x = rand([2, 6, 6, 3]) as tf.Tensor4D;
  const f = rand([3, 3, 3, 2]) as tf.Tensor4D;
  expectClose(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, f]));
});

test('fused ops fall back to compositions', () => {
  const x = rand([2, 4, 8]);
  expect(gelu(x).shape).toEqual([2, 4, 8]);
  expect(layerNorm(x, tf.ones([8]), tf.zeros([8])).shape).toEqual([2, 4, 8]);
  const probs = causalSoftmax(rand([1, 2, 4, 4])).arraySync() as number[][][][];
  expect(probs[0][0][0]).toEqual([1, 0, 0, 0]);
  const loss = sparseSoftmaxCrossEntropy(rand([3, 10]), tf.tensor1d([2, -1, 9], 'int32')).dataSync();
  expect(Math.abs(loss[1])).toBe(0);
  expect(loss[0]).toBeGreaterThan(0);
});

test('a small GPT trains on the pure-JS path', () => {
  const model = new GPT({ vocabSize: 20, blockSize: 8, nLayer: 1, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 }, new SeededRandom(1));
  const optimizer = new AdamW({ learningRate: 1e-2 });
  const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8], [2, 3, 4, 5, 6, 7, 8, 9]], [2, 8], 'int32');
  const labels = tf.tensor2d([[2, 3, 4, 5, 6, 7, 8, 9], [3, 4, 5, 6, 7, 8, 9, 10]], [2, 8], 'int32');
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const { value, grads } = tf.variableGrads(() => lmLoss(model.forward(ids), labels).loss, Object.values(model.variables));
    optimizer.apply(model.variables, grads);
    losses.push(value.dataSync()[0]);
    value.dispose();
    tf.dispose(grads);
  }
  expect(losses[29]).toBeLessThan(losses[0] * 0.5);
  optimizer.dispose();
  model.dispose();
});
