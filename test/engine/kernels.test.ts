/**
 * Every native kernel against TF.js's own cpu kernels (the reference) on random shapes: values,
 * and gradients through tf.grads. The native path runs on its wasm host; the reference on stock cpu.
 */
import { tf, selectBackend, AdamW, clipByGlobalNorm, dropout, dropoutKeeps, gelu, layerNorm, causalSoftmax, sparseSoftmaxCrossEntropy } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import type { NativeAddon } from '../../model/engine/native/addon.js';

const rng = new SeededRandom(1234);
const rand = (shape: number[], scale = 1) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), scale), shape);

let hostBackend = 'cpu';
beforeAll(async () => {
  const info = await selectBackend();
  hostBackend = info.tfBackend;
  if (!info.nativeKernels) throw new Error(`native kernels are not loaded (${info.skipped.join('; ')}): build them with npm run build:native`);
});

function run(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn();
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

function expectClose(fn: () => tf.Tensor | tf.Tensor[], reference?: () => tf.Tensor | tf.Tensor[], tol = 2e-5) {
  const expected = run('cpu', reference ?? fn);
  const actual = run(hostBackend, fn);
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    expect(actual[k].length).toBe(expected[k].length);
    let worst = 0;
    let scale = 1e-6;
    for (let i = 0; i < expected[k].length; i++) {
      worst = Math.max(worst, Math.abs(actual[k][i] - expected[k][i]));
      scale = Math.max(scale, Math.abs(expected[k][i]));
    }
    expect(worst / scale).toBeLessThan(tol);
  }
}

afterEach(() => tf.setBackend(hostBackend));

/** Exact equality of two runs' outputs, reported as a count (jest's diff of large arrays takes minutes). */
function expectSame(actual: Float32Array[], expected: Float32Array[]) {
  expect(actual.map((a) => a.length)).toEqual(expected.map((e) => e.length));
  const differing = actual.map((a, k) => a.reduce((n, v, i) => n + (Object.is(v, expected[k][i]) ? 0 : 1), 0));
  expect(differing).toEqual(actual.map(() => 0));
}

describe('matMul', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[7, 5], [5, 3], false, false],
    [[5, 7], [5, 3], true, false],
    [[7, 5], [3, 5], false, true],
    [[5, 7], [3, 5], true, true],
    [[4, 9, 6], [4, 6, 11], false, false],
    [[2, 3, 6, 9], [2, 3, 11, 6], true, true],
    [[4, 9, 6], [6, 11], false, false],
    [[9, 6], [4, 6, 11], false, false],
    [[1, 128], [128, 300], false, false],
    // one row or one column: the matrix-vector path, every transpose, batched and broadcast
    [[1, 5], [3, 5], false, true],
    [[5, 1], [5, 3], true, false],
    [[5, 1], [3, 5], true, true],
    [[7, 5], [5, 1], false, false],
    [[7, 5], [1, 5], false, true],
    [[5, 7], [5, 1], true, false],
    [[5, 7], [1, 5], true, true],
    [[3, 1, 6], [3, 6, 9], false, false],
    [[3, 1, 6], [3, 9, 6], false, true],
    [[3, 7, 6], [3, 6, 1], false, false],
    [[2, 1, 6], [6, 9], false, false],
    [[1, 1], [1, 1], false, false],
  ];
  test.each(cases)('%j x %j (tA=%s, tB=%s)', (as, bs, ta, tb) => {
    const a = rand(as);
    const b = rand(bs);
    expectClose(() => tf.matMul(a, b, ta, tb));
    // TF.js's own BatchMatMul gradient does not reduce over broadcast batch dims, so only same-batch cases.
    if (as.length !== bs.length) return;
    expectClose(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([a, b]));
  });

  test.each(['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const)('fused matMul with bias and %s', (activation) => {
    const a = rand([6, 8]);
    const b = rand([5, 8]);
    const bias = rand([5]);
    expectClose(() => tf.fused.matMul({ a, b, transposeB: true, bias, activation }));
    expectClose(() => tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
      tf.sum(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeB: true, bias: z, activation })))([a, b, bias]));
  });
});

describe('conv2d', () => {
  const cases: [number[], number[], number, 'same' | 'valid', number][] = [
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same', 1],
    [[2, 8, 8, 3], [4, 4, 3, 5], 2, 'same', 1],
    [[1, 10, 7, 2], [3, 2, 2, 3], 1, 'valid', 1],
    [[2, 9, 9, 2], [3, 3, 2, 2], 1, 'same', 2],
    [[3, 5, 5, 6], [1, 1, 6, 4], 1, 'valid', 1],
    [[2, 32, 32, 3], [4, 4, 3, 8], 2, 'same', 1],
  ];
  test.each(cases)('x %j filter %j stride %d pad %s dilation %d', (xs, fs, stride, pad, dilation) => {
    const x = rand(xs) as tf.Tensor4D;
    const f = rand(fs) as tf.Tensor4D;
    expectClose(() => tf.conv2d(x, f, stride, pad, 'NHWC', dilation));
    if (dilation === 1) {
      expectClose(() => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))))([x, f]), undefined, 1e-4);
    }
  });

  test('fused conv2d with bias and relu', () => {
    const x = rand([2, 8, 8, 3]) as tf.Tensor4D;
    const filter = rand([3, 3, 3, 4]) as tf.Tensor4D;
    const bias = rand([4]);
    expectClose(() => tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' }));
  });

  test('maxPool gradient goes to the first maximum, also for all-negative windows', () => {
    const x = rand([2, 6, 6, 3]) as tf.Tensor4D;
    expectClose(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), 1.5)))(x));
    const negative = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
    expectClose(() => tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(negative));
  });
});

describe('dropout (counter-based mask)', () => {
  // 7 x 13 stays on one thread; 300 x 257 (77,100 values) is split over the team
  test.each([[[7, 13], 0.1, 1], [[300, 257], 0.1, 4242], [[300, 257], 0.5, 0xffffffff]] as const)(
    '%j at rate %d, seed %d: the native kernel and the composed mask agree bit for bit, value and gradient', (shape, rate, seed) => {
      const x = rand([...shape]);
      const forward = () => dropout(x, rate, seed);
      const same = (p: Float32Array[], q: Float32Array[]) => Buffer.compare(Buffer.from(p[0].buffer, p[0].byteOffset, p[0].byteLength), Buffer.from(q[0].buffer, q[0].byteOffset, q[0].byteLength)) === 0;
      expect(same(run(hostBackend, forward), run('cpu', forward))).toBe(true);
      const gradient = () => tf.grads((t: tf.Tensor) => tf.sum(tf.mul(dropout(t, rate, seed), x)))([x]);
      expect(same(run(hostBackend, gradient), run('cpu', gradient))).toBe(true);
      // kept values are scaled by 1 / (1 - rate), the rest are x * 0
      const [y] = run(hostBackend, forward);
      const xs = x.dataSync();
      const keeps = dropoutKeeps(x.size, rate, seed);
      const scale = Math.fround(1 / (1 - rate));
      let wrong = 0;
      for (let i = 0; i < xs.length; i++) wrong += Object.is(y[i], keeps[i] ? Math.fround(xs[i] * scale) : xs[i] * 0) ? 0 : 1;
      expect(wrong).toBe(0);
    });

  test('the mask keeps 1 - rate of the elements, changes with the seed, repeats with it', () => {
    const n = 1_000_000;
    const a = dropoutKeeps(n, 0.1, 7);
    const kept = a.reduce((s, k) => s + k, 0) / n;
    expect(Math.abs(kept - 0.9)).toBeLessThan(0.003); // 10 standard deviations
    const b = dropoutKeeps(n, 0.1, 8);
    let differ = 0;
    for (let i = 0; i < n; i++) differ += a[i] !== b[i] ? 1 : 0;
    expect(Math.abs(differ / n - 2 * 0.9 * 0.1)).toBeLessThan(0.003); // independent masks differ in 2p(1-p)
    expect(Buffer.compare(dropoutKeeps(n, 0.1, 7), a)).toBe(0);
    // neighbouring elements are not correlated: P(both kept) = 0.81
    let both = 0;
    for (let i = 1; i < n; i++) both += a[i] & a[i - 1];
    expect(Math.abs(both / (n - 1) - 0.81)).toBeLessThan(0.004);
  });

  test('rate 0 is the identity, a NaN stays NaN, a bad rate is an error', () => {
    const x = tf.tensor1d([1, NaN, Infinity, -2]);
    expect(dropout(x, 0, 1)).toBe(x);
    const [y] = run(hostBackend, () => dropout(x, 0.999, 3));
    expect(Number.isNaN(y[1])).toBe(true);
    expect(() => dropout(x, 1, 1)).toThrow(/rate must be in \[0, 1\)/);
    expect(() => dropout(x, -0.1, 1)).toThrow(/rate must be in/);
  });
});

describe('concat and split (block copies)', () => {
  test.each([[[3, 5], [3, 2], 1], [[4, 3, 2], [1, 3, 2], 0], [[2, 3, 4], [2, 5, 4], 1], [[2, 3, 4], [2, 3, 1], 2], [[300, 256], [300, 512], 1]] as const)(
    '%j with %j on axis %d, float32 and int32, with its gradient (a split)', (shapeA, shapeB, axis) => {
      const a = rand([...shapeA]);
      const b = rand([...shapeB]);
      const empty = tf.zeros(shapeA.map((d, i) => (i === axis ? 0 : d)));
      const ints = (t: tf.Tensor) => tf.cast(tf.mul(t, 1000), 'int32');
      const both = () => [tf.concat([a, empty, b, a], axis), tf.concat([ints(a), ints(b)], axis)];
      expectSame(run(hostBackend, both), run('cpu', both));
      const w = rand([...shapeA.map((d, i) => (i === axis ? 2 * d + shapeB[i]! : d))]);
      expectClose(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y, x], axis), w)))([a, b]));
      const c = tf.concat([a, b], axis);
      const parts = () => tf.split(c, [shapeA[axis]!, shapeB[axis]!], axis);
      expectSame(run(hostBackend, parts), run('cpu', parts));
    });

  test('the native copy refuses a block outside its array', async () => {
    const { loadNativeAddon } = await import('../../model/engine/native/addon.js');
    const native = loadNativeAddon().addon!;
    const src = new Float32Array(10);
    const dst = new Float32Array(10);
    expect(() => native.copyBlocks(src, 0, 4, dst, 0, 4, 3, 4)).toThrow(/outside its array/); // 0 + 2*4 + 4 > 10
    expect(() => native.copyBlocks(src, 0, 3, dst, 0, 3, 3, 3)).not.toThrow();
  });
});

describe('gather (block copies)', () => {
  const cases: [number[], number[], number][] = [
    [[50, 16], [2, 7], 0], // the embedding lookup: [B, T] ids into a [V, D] table
    [[6, 9, 4], [5], 1],
    [[3, 4, 11], [3, 2], 2], // the last axis: blocks of one element
    [[8], [8], 0],
    [[5, 3], [0], 0],
  ];
  test.each(cases)('%j at %j on axis %d, float32 and int32, repeated indices', (shape, indexShape, axis) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = rand(shape);
    const ints = tf.tensor(Int32Array.from({ length: size }, (_, i) => i * 7 - 3), shape, 'int32');
    const count = indexShape.reduce((a, b) => a * b, 1);
    const indices = tf.tensor(Int32Array.from({ length: count }, (_, i) => (i * 5 + 1) % shape[axis] * (i % 3 === 2 ? 0 : 1)), indexShape, 'int32');
    const both = () => [tf.gather(x, indices, axis), tf.gather(ints, indices, axis)];
    expect(run(hostBackend, both)).toEqual(run('cpu', both));
    expectClose(() => tf.grads((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, indices, axis))))([x]));
  });

  test('an index out of range is an error, as in TF.js', () => {
    const x = rand([4, 3]);
    expect(() => run(hostBackend, () => tf.gather(x, tf.tensor1d([1, 4], 'int32')))).toThrow(/GatherV2: the index value 4 is not in \[0, 3\]/);
    expect(() => run(hostBackend, () => tf.gather(x, tf.tensor1d([-1], 'int32')))).toThrow(/not in \[0, 3\]/);
  });
});

describe('elementwise and reductions', () => {
  const shapes: [number[], number[]][] = [
    [[4, 5], [4, 5]], [[4, 5], [5]], [[4, 5], [1]], [[4, 5], [4, 1]], [[2, 3, 4], [3, 4]], [[2, 3, 4], [2, 3, 1]],
    [[5], [4, 5]], [[4, 1], [4, 5]], [[4, 1], [1, 5]], [[2, 1, 4], [3, 1]],
  ];
  test.each(shapes)('add/sub/mul/div %j with %j and their gradients', (as, bs) => {
    const a = rand(as);
    const b = tf.add(tf.abs(rand(bs)), 0.5);
    for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
      expectClose(() => op(a, b));
      expectClose(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(op(x, y))))([a, b]));
    }
  });

  test('unary ops', () => {
    const x = rand([7, 9]);
    const positive = tf.add(tf.abs(x), 0.1);
    for (const op of [tf.exp, tf.tanh, tf.sigmoid, tf.square, tf.neg, tf.relu]) expectClose(() => op(x));
    for (const op of [tf.log, tf.sqrt, tf.rsqrt]) expectClose(() => op(positive));
  });

  test('IEEE edge cases (zeros, denormals, overflow) come out as TF.js computes them, on long arrays too', () => {
    const edge = [0, 1e-44, 1e-30, 4, -100, 100, -1e-40, 1e30, -1e30, 88.8];
    for (const n of [edge.length, 70000]) {
      const x = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => edge[i % edge.length]));
      const ops: [string, (t: tf.Tensor) => tf.Tensor][] = [
        ['sqrt', (t) => tf.sqrt(tf.abs(t))], ['rsqrt', (t) => tf.rsqrt(tf.abs(t))], ['sigmoid', tf.sigmoid], ['exp', tf.exp],
        ['tanh', tf.tanh], ['log', (t) => tf.log(tf.abs(t))], ['reciprocal', (t) => tf.div(1, t)], ['square', tf.square],
        ['softmax', (t) => tf.softmax(tf.reshape(t, [-1, edge.length]))],
      ];
      for (const [name, op] of ops) {
        const [expected] = run('cpu', () => op(x));
        const [actual] = run(hostBackend, () => op(x));
        for (let i = 0; i < Math.min(n, 2 * edge.length); i++) {
          const e = expected[i];
          const a = actual[i];
          const same = Number.isFinite(e) ? Math.abs(a - e) <= 1e-5 * Math.max(1, Math.abs(e)) || (Math.abs(e) < 1e-37 && Math.abs(a) < 1e-37) : Object.is(a, e) || (Number.isNaN(e) && Number.isNaN(a));
          if (!same) throw new Error(`${name}(${edge[i % edge.length]}) on ${n} values: native ${a}, TF.js ${e}`);
        }
      }
    }
  });

  test.each([[[6, 7, 8], [0]], [[6, 7, 8], [2]], [[6, 7, 8], [1, 2]], [[6, 7, 8], [0, 1]], [[6, 7, 8], [1]], [[6, 7, 8], [0, 2]]])(
    'sum of %j over axes %j', (shape, axes) => {
      const x = rand(shape);
      expectClose(() => tf.sum(x, axes));
      expectClose(() => tf.sum(x, axes, true));
    });

  test('softmax and its gradient', () => {
    const x = rand([5, 11], 3);
    expectClose(() => tf.softmax(x));
    expectClose(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), tf.range(0, 11))))(x));
  });

  test('embedding gradient (gather -> UnsortedSegmentSum)', () => {
    const table = rand([10, 4]);
    const ids = tf.tensor1d([3, 1, 3, 9, 0, 3], 'int32');
    expectClose(() => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, ids))))(table));
  });
});

describe('fused ops match their TF.js compositions', () => {
  test('gelu', () => {
    const x = rand([6, 10], 2);
    const composed = (a: tf.Tensor) => tf.mul(tf.mul(0.5, a), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(a, tf.mul(0.044715, tf.pow(a, 3)))))));
    expectClose(() => gelu(x), () => composed(x));
    expectClose(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), tf.range(0, 10))))(x),
      () => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(composed(a), tf.range(0, 10))))(x));
  });

  test('layerNorm', () => {
    const x = rand([2, 5, 16]);
    const g = rand([16]);
    const b = rand([16]);
    const composed = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), gg), bb);
    };
    const weight = rand([2, 5, 16]);
    expectClose(() => layerNorm(x, g, b), () => composed(x, g, b));
    expectClose(() => tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, gg, bb), weight)))([x, g, b]),
      () => tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(composed(a, gg, bb), weight)))([x, g, b]), 1e-4);
  });

  test.each([[5, 5], [2, 6], [1, 7]])('causal softmax, %d queries over %d keys', (tq, tk) => {
    const x = rand([2, 3, tq, tk], 2);
    const weight = rand([2, 3, tq, tk]);
    const mask = tf.tensor2d(Array.from({ length: tq * tk }, (_, k) => (k % tk <= Math.floor(k / tk) + tk - tq ? 0 : -1e30)), [tq, tk]);
    const composed = (a: tf.Tensor) => tf.softmax(tf.add(tf.mul(a, 0.5), mask));
    expectClose(() => causalSoftmax(x, 0.5), () => composed(x));
    expectClose(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(causalSoftmax(a, 0.5), weight)))(x),
      () => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(composed(a), weight)))(x));
  });

  test('sparse softmax cross-entropy ignores negative labels', () => {
    const logits = rand([2, 3, 50], 3);
    const labels = tf.tensor2d([[4, -1, 49], [0, 7, -1]], [2, 3], 'int32');
    const composed = (l: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.reshape(tf.oneHot(tf.reshape(labels, [-1]), 50), [2, 3, 50]), tf.logSoftmax(l)), -1));
    expectClose(() => sparseSoftmaxCrossEntropy(logits, labels), () => composed(logits));
    expectClose(() => tf.grad((l: tf.Tensor) => tf.sum(sparseSoftmaxCrossEntropy(l, labels)))(logits),
      () => tf.grad((l: tf.Tensor) => tf.sum(composed(l)))(logits));
  });
});

describe('threaded kernels: sizes past the parallel threshold (65536 elements) match TF.js', () => {
  // The suite runs with every core (DEMI_THREADS unset); these shapes make each threaded loop split
  // its rows, column blocks or samples across the team.
  test('bias + activation, elementwise with every broadcast layout, unary ops, sums', () => {
    const a = rand([400, 130]);
    const w = rand([130, 200]);
    const bias = rand([200]);
    expectClose(() => tf.fused.matMul({ a, b: w, bias, activation: 'relu' }));
    const b = tf.add(tf.abs(rand([400, 200])), 0.5);
    for (const other of [b, rand([200]), tf.scalar(1.5), rand([400, 1])]) {
      const x = rand([400, 200]);
      for (const op of [tf.add, tf.sub, tf.mul, tf.div]) expectClose(() => op(x, other));
      expectClose(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.mul(p, q))))([x, other]));
    }
    for (const op of [tf.exp, tf.tanh, tf.square]) expectClose(() => op(b));
    const cube = rand([64, 32, 40]);
    for (const axes of [[0], [1], [2], [0, 1]]) expectClose(() => tf.sum(cube, axes));
  });

  // 8 x 8 output positions x 768 patch values: one sample's columns. With the buffer limited to them a
  // part of 2 samples takes 2 im2col chunks, as a layer whose lowering passes 64 MiB does, so the filter
  // gradient's second chunk must add to the first.
  test.each([['the default column buffer', 0], ['a column buffer of one sample', 8 * 8 * 768]])(
    'conv2d and its gradients with the samples split over the team (uneven parts, partial filter gradients), %s', async (_, columnFloats) => {
    const { loadNativeAddon } = await import('../../model/engine/native/addon.js');
    const native = loadNativeAddon().addon!;
    const previousLimit = columnFloats > 0 ? native.setConvColumnFloats(columnFloats) : 0;
    try {
      splitConvMatchesTfjs(native);
    } finally {
      if (previousLimit > 0) native.setConvColumnFloats(previousLimit);
    }
  });

  function splitConvMatchesTfjs(native: NativeAddon): void {
    // 3 samples over 2 threads (parts of 1 and 2), 19 MFLOP: past the split threshold (2^24)
    const x = rand([3, 16, 16, 48]);
    const f = rand([4, 4, 48, 64], 0.1);
    expectClose(() => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'));
    expectClose(() => tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, k as tf.Tensor4D, 2, 'same'))))([x, f]), undefined, 1e-4);
    // the kernels must overwrite every output cell: fresh heap memory is zero, so outputs handed over
    // filled with NaN must come back equal to zero-filled ones (whose values the checks above cover)
    const dims = Int32Array.from([3, 16, 16, 48, 4, 4, 64, 2, 2, 1, 1, 1, 1, 8, 8]);
    const [xs, fs, dys] = [x, f, rand([3, 8, 8, 64])].map((t) => t.dataSync() as Float32Array);
    const outputs = (fill: number) => {
      const y = new Float32Array(3 * 8 * 8 * 64).fill(fill);
      const dx = new Float32Array(xs.length).fill(fill);
      const dw = new Float32Array(fs.length).fill(fill);
      native.conv2d(xs, fs, y, dims);
      native.conv2dBackpropInput(dys, fs, dx, dims);
      native.conv2dBackpropFilter(xs, dys, dw, dims);
      return [y, dx, dw];
    };
    expectSame(outputs(NaN), outputs(0));
  }

  test('softmax, gelu, layerNorm, causal softmax and sparse cross-entropy with their gradients', () => {
    const x = rand([400, 200], 2);
    const weight = rand([400, 200]);
    expectClose(() => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), weight)))([x]));
    expectClose(() => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), weight)))([x]), () =>
      tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.mul(tf.mul(0.5, a), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI),
        tf.add(a, tf.mul(0.044715, tf.pow(a, 3))))))), weight)))([x]));
    const g = rand([200]);
    const beta = rand([200]);
    const composedNorm = (p: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const { mean, variance } = tf.moments(p, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(p, mean), tf.sqrt(tf.add(variance, 1e-5))), gg), bb);
    };
    expectClose(() => tf.grads((p: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(layerNorm(p, gg, bb), weight)))([x, g, beta]),
      () => tf.grads((p: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(composedNorm(p, gg, bb), weight)))([x, g, beta]), 1e-4);
    const scores = rand([4, 2, 96, 96], 2);
    const mask = tf.tensor2d(Array.from({ length: 96 * 96 }, (_, k) => (k % 96 <= Math.floor(k / 96) ? 0 : -1e30)), [96, 96]);
    const scoreWeight = rand([4, 2, 96, 96]);
    expectClose(() => tf.grads((s: tf.Tensor) => tf.sum(tf.mul(causalSoftmax(s, 0.5), scoreWeight)))([scores]),
      () => tf.grads((s: tf.Tensor) => tf.sum(tf.mul(tf.softmax(tf.add(tf.mul(s, 0.5), mask)), scoreWeight)))([scores]));
    const logits = rand([256, 300], 3);
    const labels = tf.tensor1d(Array.from({ length: 256 }, (_, i) => (i % 7 === 3 ? -1 : (i * 37) % 300)), 'int32');
    const composedCE = (l: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.oneHot(labels, 300), tf.logSoftmax(l)), -1));
    expectClose(() => tf.grads((l: tf.Tensor) => tf.sum(tf.mul(sparseSoftmaxCrossEntropy(l, labels), tf.range(0, 256))))([logits]),
      () => tf.grads((l: tf.Tensor) => tf.sum(tf.mul(composedCE(l), tf.range(0, 256))))([logits]));
  });

  test('AdamW (native) and the squared norm behind clipping, on 100,000 weights', () => {
    const start = rng.normalArray(100_000);
    const g1 = rng.normalArray(100_000);
    const g2 = rng.normalArray(100_000);
    const update = (backend: string) => {
      tf.setBackend(backend);
      const w = tf.variable(tf.tensor(start));
      const optimizer = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
      for (const g of [g1, g2]) {
        const grad = tf.tensor(g);
        optimizer.apply({ w }, { w: grad });
        grad.dispose();
      }
      const { m, v } = optimizer.getState().moments.w;
      const out = [Float32Array.from(w.dataSync()), m, v];
      const norm = tf.tidy(() => clipByGlobalNorm({ g: tf.tensor(g1) }, 1).norm);
      optimizer.dispose();
      w.dispose();
      return { out, norm };
    };
    const expected = update('cpu');
    const actual = update(hostBackend);
    actual.out.forEach((values, k) => {
      let worst = 0;
      values.forEach((x, i) => { worst = Math.max(worst, Math.abs(x - expected.out[k][i])); });
      expect(worst).toBeLessThan(1e-5);
    });
    expect(actual.norm).toBeCloseTo(expected.norm, 2);
  });

  test('conv2d (im2col) and both of its gradients (col2im, filter)', () => {
    const x = rand([4, 16, 16, 16]);
    const f = rand([4, 4, 16, 32], 0.1);
    expectClose(() => tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, k as tf.Tensor4D, 2, 'same'))))([x, f]), undefined, 1e-4);
  });
});
