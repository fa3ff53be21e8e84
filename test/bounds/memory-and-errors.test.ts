/** No bound leaks tensors (values and gradients), and bad inputs fail with a clear BoundsError. */
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import {
  BoundsError, conditionalInfoNCE, conditionalInfoNCEExact, demi, dv, importanceESS, infoNCE, jsd, jsdMI, MineEMA, nwj,
} from '../../model/bounds/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';

let s: tf.Tensor2D;
let w: tf.Tensor2D;
let pos: tf.Tensor1D;
let neg: tf.Tensor2D;

beforeAll(async () => {
  await selectBackend();
  const rng = new SeededRandom(1);
  s = tf.tensor2d(rng.normalArray(64), [8, 8]);
  w = tf.tensor2d(rng.normalArray(64), [8, 8]);
  pos = tf.tensor1d(rng.normalArray(8));
  neg = tf.tensor2d(rng.normalArray(8 * 5), [8, 5]);
});

afterAll(() => tf.dispose([s, w, pos, neg]));

const scalarFns: [string, (m: tf.Tensor2D) => tf.Scalar][] = [
  ['infoNCE', infoNCE],
  ['nwj', nwj],
  ['dv', dv],
  ['jsd', jsd],
  ['jsdMI', jsdMI],
  ['conditionalInfoNCE', (m) => conditionalInfoNCE(m, w)],
  ['demi', (m) => {
    const { total, terms } = demi([{ scores: m }, { scores: w }, { positive: pos, negatives: neg }]);
    tf.dispose(terms);
    return total;
  }],
];

test.each(scalarFns)('%s returns a scalar and leaks nothing, with or without a gradient', async (_name, f) => {
  await expectTensorCountFlat(() => {
    const v = f(s);
    expect(v.rank).toBe(0);
    expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    v.dispose();
  });
  await expectTensorCountFlat(() => {
    const { value, grad } = tf.valueAndGrad((m: tf.Tensor) => f(m as tf.Tensor2D))(s);
    tf.dispose([value, grad]);
  });
  await expectTensorCountFlat(() => {
    const v = tf.variable(s); // shares s's data; disposing v leaves s
    const { value, grads } = tf.variableGrads(() => f(v), [v]);
    tf.dispose([value, grads, v]);
  });
});

test('demi returns only its total and terms', async () => {
  await expectTensorCountFlat(() => {
    const before = tf.memory().numTensors;
    const { total, terms } = demi([{ scores: s }, { scores: w }, { scores: s, logWeights: w }]);
    expect(terms).toHaveLength(3);
    expect(tf.memory().numTensors - before).toBe(4);
    tf.dispose([total, ...terms]);
  });
});

test('exact variant, ESS and MineEMA leak nothing (MINE keeps exactly one EMA tensor)', async () => {
  await expectTensorCountFlat(() => tf.dispose([conditionalInfoNCEExact(pos, neg), importanceESS(w)]));
  const before = tf.memory().numTensors;
  const mine = new MineEMA();
  await expectTensorCountFlat(() => {
    const v = tf.variable(s); // shares s's data; disposing v leaves s
    const { value, grads } = tf.variableGrads(() => mine.call(v), [v]);
    tf.dispose([value, grads, v]);
  }, 4);
  expect(tf.memory().numTensors).toBe(before + 1);
  mine.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

describe('errors', () => {
  test('non-square or too small score matrices', () => {
    const rect = tf.zeros([3, 4]) as tf.Tensor2D;
    const one = tf.zeros([1, 1]) as tf.Tensor2D;
    expect(() => infoNCE(rect)).toThrow(BoundsError);
    expect(() => nwj(rect)).toThrow(/square N x N/);
    expect(() => dv(one)).toThrow(/at least 2/);
    expect(() => conditionalInfoNCE(s, tf.zeros([4, 4]) as tf.Tensor2D)).toThrow(/same batch/);
    expect(() => conditionalInfoNCEExact(pos, tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(BoundsError);
    tf.dispose([rect, one]);
  });

  test('demi level rules', () => {
    expect(() => demi([])).toThrow(/at least one level/);
    expect(() => demi([{ positive: pos, negatives: neg }])).toThrow(/level 1 is the unconditional term/);
    expect(() => demi([{ scores: s }, { positive: pos, negatives: neg }, { scores: w }])).toThrow(/pass logWeights explicitly/);
    expect(() => new MineEMA(1)).toThrow(BoundsError);
  });
});
