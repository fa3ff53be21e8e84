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

/** Checks float32 results against float64 closed forms, relative to each value's size. */
function expectValues(got: ArrayLike<number>, want: number[], tol = 1e-5) {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
}

test('fused ops fall back to compositions with the closed-form values and gradients', () => {
  const x = rand([2, 4, 8]);
  const xs = Array.from(x.dataSync());
  // tanh-GELU (GPT-2's gelu_new) and its derivative
  const c = Math.sqrt(2 / Math.PI);
  const inner = (v: number) => c * (v + 0.044715 * v ** 3);
  expectValues(tf.tidy(() => gelu(x).dataSync()), xs.map((v) => 0.5 * v * (1 + Math.tanh(inner(v)))));
  const dGelu = (v: number) => 0.5 * (1 + Math.tanh(inner(v))) + 0.5 * v * (1 - Math.tanh(inner(v)) ** 2) * c * (1 + 3 * 0.044715 * v * v);
  expectValues(tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x).dataSync()), xs.map(dGelu), 1e-4);

  // LayerNorm over the last axis with the biased variance, eps inside the square root
  const gamma = rand([8]);
  const beta = rand([8]);
  const [g, b] = [Array.from(gamma.dataSync()), Array.from(beta.dataSync())];
  const eps = 1e-5;
  const want: number[] = [];
  for (let r = 0; r < 8; r++) {
    const row = xs.slice(r * 8, r * 8 + 8);
    const mean = row.reduce((s, v) => s + v, 0) / 8;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 8;
    row.forEach((v, i) => want.push(((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]));
  }
  expectValues(tf.tidy(() => layerNorm(x, gamma, beta, eps).dataSync()), want, 1e-4);

  // causal softmax: row i is softmax(scale * scores) over keys 0..i, exactly 0 after
  const scores = rand([1, 2, 4, 4]);
  const sv = Array.from(scores.dataSync());
  const scale = 0.5;
  const soft: number[] = [];
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 4; i++) {
      const row = sv.slice((h * 4 + i) * 4, (h * 4 + i) * 4 + 4);
      const e = row.map((v, j) => (j <= i ? Math.exp(scale * v) : 0));
      const z = e.reduce((s, v) => s + v, 0);
      soft.push(...e.map((v) => v / z));
    }
  }
  const probs = tf.tidy(() => causalSoftmax(scores, scale).dataSync());
  expectValues(probs, soft);
  soft.forEach((p, i) => { if (p === 0) expect(probs[i]).toBe(0); });

  // cross-entropy: -log softmax(logits)[label], 0 where the label is ignored (< 0)
  const logits = rand([3, 10]);
  const lv = Array.from(logits.dataSync());
  const labels = [2, -1, 9];
  const ce = labels.map((l, r) => {
    if (l < 0) return 0;
    const row = lv.slice(r * 10, r * 10 + 10);
    return Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[l];
  });
  expectValues(tf.tidy(() => sparseSoftmaxCrossEntropy(logits, tf.tensor1d(labels, 'int32')).dataSync()), ce);
  tf.dispose([x, gamma, beta, scores, logits]);
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
