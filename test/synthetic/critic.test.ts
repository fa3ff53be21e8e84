/** Separable SMILE critics: shapes, the S[i][j] = critic(x_j, y_i) convention, seeded init, training. */
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import {
  createOptimizer, EstimatorTrainer, miToRho, parseEstimator, sampleCorrelatedGaussian, SeparableCritic, SyntheticError, TrainingBatch,
} from '../../model/synthetic/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';

beforeAll(async () => {
  await selectBackend();
});

const config = { hidden: 16, layers: 2, embed: 8 };

test('default SMILE shape: d-256-256-256-32 for layers = 2', () => {
  const c = new SeparableCritic('shape', 20, 20, { hidden: 256, layers: 2, embed: 32 }, new SeededRandom(0));
  expect(c.g.weights.map((w) => w.shape)).toEqual([[20, 256], [256, 256], [256, 256], [256, 32]]);
  c.dispose();
});

test('scores[i][j] = g(x_j) . h(y_i), deterministic from the seed', () => {
  const a = new SeparableCritic('conv', 3, 2, config, new SeededRandom(5));
  const b = new SeparableCritic('conv', 3, 2, config, new SeededRandom(5));
  const rng = new SeededRandom(1);
  const x = tf.tensor2d(rng.normalArray(12), [4, 3]);
  const y = tf.tensor2d(rng.normalArray(8), [4, 2]);
  const s = a.scores(x, y);
  expect(s.shape).toEqual([4, 4]);
  const gx = a.g.apply(x).arraySync();
  const hy = a.h.apply(y).arraySync();
  const sv = s.arraySync();
  const dot = (u: number[], v: number[]) => u.reduce((acc, ui, k) => acc + ui * v[k], 0);
  expect(sv[1][3]).toBeCloseTo(dot(gx[3], hy[1]), 4);
  expect(sv[3][1]).toBeCloseTo(dot(gx[1], hy[3]), 4);
  expect(Array.from(b.scores(x, y).dataSync())).toEqual(Array.from(s.dataSync()));
  tf.dispose([x, y, s]);
  a.dispose();
  b.dispose();
});

test('estimator names parse, unknown ones fail with the list of choices', () => {
  expect(parseEstimator('demi-4-exact', 20)).toEqual({ name: 'demi-4-exact', kind: 'demi-exact', subviews: 4 });
  expect(parseEstimator('InfoNCE', 20).kind).toBe('infonce');
  expect(() => parseEstimator('smile', 20)).toThrow(SyntheticError);
  expect(() => parseEstimator('demi-30', 20)).toThrow(/between 1 and the dimension/);
});

test.each(['infonce', 'nwj', 'jsd', 'dv', 'mine', 'demi-2', 'demi-3-exact'])(
  '%s: training raises its estimate on a fixed problem and leaks no tensors',
  async (name) => {
    const rng = new SeededRandom(11);
    const trainer = new EstimatorTrainer(parseEstimator(name, 6), {
      dim: 6, critic: config, learningRate: 3e-3, optimizer: 'adam', exactNegatives: 15, exactAnchors: 8,
    }, rng.fork());
    const rho = miToRho(2, 6);
    const run = (steps: number) => {
      const out: number[] = [];
      for (let i = 0; i < steps; i++) {
        const batch = new TrainingBatch(sampleCorrelatedGaussian(rng, 32, 6, rho), rng);
        const r = trainer.step(batch);
        batch.dispose();
        expect(r.finite).toBe(true);
        if (name.startsWith('demi')) expect(r.terms).toHaveLength(Number(name.split('-')[1]));
        out.push(r.estimate);
      }
      return out;
    };
    const first = run(10);
    const later = run(70).slice(-10);
    const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(avg(later)).toBeGreaterThan(avg(first) + 0.3);
    await expectTensorCountFlat(() => run(1), 2);
    trainer.dispose();
  },
);

test.each(['adam', 'tfjs-adam'] as const)('%s optimizer: a gradient whose square is subnormal leaves the parameter finite', (kind) => {
  // On the native engine sqrt(subnormal) is -Infinity, so without the flush this parameter becomes NaN.
  const opt = createOptimizer(kind, 5e-4);
  const p = tf.variable(tf.ones([64]), true, `tiny-grad-${kind}`);
  const g = tf.fill([64], -4e-21);
  opt.apply({ [p.name]: p }, { [p.name]: g });
  const big = tf.fill([64], 0.5);
  opt.apply({ [p.name]: p }, { [p.name]: big });
  const v = Array.from(p.dataSync());
  expect(v.every(Number.isFinite)).toBe(true);
  expect(v[0]).toBeLessThan(1); // the real gradient still moved it
  tf.dispose([p, g, big]);
  opt.dispose();
});
