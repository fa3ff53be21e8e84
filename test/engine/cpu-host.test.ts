/**
 * DEMI_NATIVE_HOST=cpu: the native kernels on the cpu backend's memory (no 4 GiB wasm heap cap). Here the
 * reference is TF.js's wasm backend (its own C++ kernels; for the training step also the project's pure-JS
 * wasm kernels, test/engine/fallback.test.ts checks those against stock cpu, since stock wasm has no
 * UnsortedSegmentSum): the data-movement kernels the cpu host adds must be exact, and a whole DEMI training
 * step (loss, MI terms and every gradient) must match.
 */
import { tf, selectBackend, nativeHostFromEnvironment, AdamW, BackendError } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { GPT } from '../../model/transformer/index.js';
import { registerJsFallbackKernels } from '../../model/engine/kernels/js-fallback.js';
import { DemiHeads, dialogueLoss, makeDialogueBatch } from '../../model/dialogue/index.js';

const rng = new SeededRandom(99);
const saved = process.env.DEMI_NATIVE_HOST;

beforeAll(async () => {
  process.env.DEMI_NATIVE_HOST = 'cpu';
  const info = await selectBackend('native');
  if (!info.nativeKernels) throw new Error(`native kernels are not loaded (${info.skipped.join('; ')}): build them with npm run build:native`);
  expect(info.tfBackend).toBe('cpu');
  expect(await tf.setBackend('wasm')).toBe(true);
  tf.setBackend('cpu');
});
afterAll(() => {
  if (saved === undefined) delete process.env.DEMI_NATIVE_HOST;
  else process.env.DEMI_NATIVE_HOST = saved;
});
afterEach(() => tf.setBackend('cpu'));

function on(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn();
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
  });
}

test('DEMI_NATIVE_HOST takes wasm or cpu; anything else is an error', () => {
  expect(nativeHostFromEnvironment()).toBe('cpu');
  process.env.DEMI_NATIVE_HOST = 'gpu';
  expect(() => nativeHostFromEnvironment()).toThrow(BackendError);
  process.env.DEMI_NATIVE_HOST = '';
  expect(nativeHostFromEnvironment()).toBe('wasm');
  process.env.DEMI_NATIVE_HOST = 'cpu';
});

describe('transpose, split and gather on the cpu host equal the stock kernels exactly', () => {
  const cases: [number[], number[]][] = [
    [[4, 7, 3, 5], [0, 2, 1, 3]], // heads out of [B, T, H, Dh]: blocks of Dh
    [[4, 3, 7, 5], [0, 2, 1, 3]],
    [[2, 3, 7, 5], [0, 1, 3, 2]], // K^T: the last axis moves, element by element
    [[9, 13], [1, 0]],
    [[2, 3, 4, 5, 6], [4, 0, 3, 1, 2]],
    [[3, 1, 4], [2, 1, 0]],
    [[5, 6], [0, 1]],
    [[0, 4, 2], [1, 0, 2]],
  ];
  test.each(cases)('%j by %j', (shape, perm) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(rng.normalArray(size), shape);
    const ints = tf.tensor(Int32Array.from({ length: size }, (_, i) => i), shape, 'int32');
    expect(on('cpu', () => [tf.transpose(x, perm), tf.transpose(ints, perm)])).toEqual(on('wasm', () => [tf.transpose(x, perm), tf.transpose(ints, perm)]));
  });

  test('an identity permutation shares the input instead of copying it (the embedding gradient passes one)', () => {
    tf.setBackend('cpu');
    const x = tf.tensor(rng.normalArray(6 * 4), [6, 4]);
    const y = tf.transpose(x, [0, 1]);
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(y.dataSync()).length).toBe(24); // still readable: shared by reference count
    y.dispose();
  });

  test('split into equal and unequal parts', () => {
    const x = tf.tensor(rng.normalArray(4 * 9 * 6), [4, 9, 6]);
    expect(on('cpu', () => tf.split(x, 3, 1))).toEqual(on('wasm', () => tf.split(x, 3, 1)));
    expect(on('cpu', () => tf.split(x, [2, -1, 1], 2))).toEqual(on('wasm', () => tf.split(x, [2, -1, 1], 2)));
  });

  test('concat along the first, a middle and the last axis', () => {
    const a = tf.tensor(rng.normalArray(2 * 3 * 4), [2, 3, 4]);
    const b = tf.tensor(rng.normalArray(2 * 3 * 4), [2, 3, 4]);
    for (const axis of [0, 1, 2]) expect(on('cpu', () => tf.concat([a, b, a], axis))).toEqual(on('wasm', () => tf.concat([a, b, a], axis)));
  });

  test('gather rows and inner columns', () => {
    const x = tf.tensor(rng.normalArray(10 * 4 * 3), [10, 4, 3]);
    const rows = tf.tensor2d([[9, 0, 3], [3, 3, 1]], [2, 3], 'int32');
    expect(on('cpu', () => tf.gather(x, rows))).toEqual(on('wasm', () => tf.gather(x, rows)));
    const cols = tf.tensor1d([2, 0, 2], 'int32');
    expect(on('cpu', () => tf.gather(x, cols, 2))).toEqual(on('wasm', () => tf.gather(x, cols, 2)));
  });
});

test('a DEMI training step: loss, MI terms and every gradient match the wasm backend', () => {
  registerJsFallbackKernels('wasm');
  const config = { vocabSize: 53, blockSize: 32, nLayer: 2, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 };
  const objective = { lambda: 0.1, levels: 3, tau: 0.1, split: 'response' as const, projectionDim: 8 };
  const model = new GPT(config, new SeededRandom(5));
  const heads = new DemiHeads(config.dModel, objective.projectionDim, new SeededRandom(6));
  const format = { sepId: 1, eosId: 2, padId: 0 };
  const examples = Array.from({ length: 5 }, (_, i) => ({
    contextIds: [...Array.from({ length: 6 + i }, () => 3 + rng.int(50)), format.sepId],
    responseIds: Array.from({ length: 4 + 2 * i }, () => 3 + rng.int(50)),
  }));
  const batch = makeDialogueBatch(examples, format, objective.levels);
  const variables = Object.values({ ...model.variables, ...heads.variables });
  const step = () => {
    const { value, grads } = tf.variableGrads(() => dialogueLoss(model, heads, batch, objective).loss, variables);
    const terms = dialogueLoss(model, heads, batch, objective).mi!.terms;
    return [value, ...terms, ...variables.map((v) => grads[v.name])];
  };
  const actual = on('cpu', step);
  const expected = on('wasm', step);
  expect(actual.length).toBe(expected.length);
  expected.forEach((values, k) => {
    let worst = 0;
    let scale = 1e-6;
    values.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(actual[k][i] - v));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(worst / scale).toBeLessThan(1e-4);
  });
  model.dispose();
  heads.dispose();
});

test("AdamW updates its moments in place, and a saved state (the cpu backend hands out its own arrays) stays as saved", () => {
  const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
  const optimizer = new AdamW({ learningRate: 0.05 });
  optimizer.apply({ w }, { w: tf.tensor1d([0.3, -0.2, 1]) });
  const saved = optimizer.getState();
  const m = Array.from(saved.moments.w.m);
  const v = Array.from(saved.moments.w.v);
  optimizer.apply({ w }, { w: tf.tensor1d([-0.4, 0.5, 0.1]) });
  expect(Array.from(saved.moments.w.m)).toEqual(m);
  expect(Array.from(saved.moments.w.v)).toEqual(v);
  expect(Array.from(optimizer.getState().moments.w.m)).not.toEqual(m);
  optimizer.dispose();
  w.dispose();
});
