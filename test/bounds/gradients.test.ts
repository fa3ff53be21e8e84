/**
 * Gradients: the importance weights carry none, the bounds' gradients match their formulas, and
 * MINE's EMA changes the gradient but not the value.
 */
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import {
  conditionalInfoNCE, demi, dv, infoNCE, jsd, jsdMI, MineEMA, nwj, stopGradient,
} from '../../model/bounds/index.js';

beforeAll(async () => {
  await selectBackend();
});

function randomMatrix(seed: number, n: number, scale = 1): tf.Tensor2D {
  const rng = new SeededRandom(seed);
  return tf.tensor2d(rng.normalArray(n * n, scale), [n, n]);
}

/** Central finite differences of f at s (float32, so loose). */
function numericGrad(f: (s: tf.Tensor2D) => tf.Scalar, s: tf.Tensor2D, eps = 1e-2): Float32Array {
  const base = s.arraySync() as number[][];
  const n = base.length;
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const at = (delta: number) => {
        const m = base.map((r) => r.slice());
        m[i][j] += delta;
        return tf.tidy(() => f(tf.tensor2d(m)).dataSync()[0]);
      };
      out[i * n + j] = (at(eps) - at(-eps)) / (2 * eps);
    }
  }
  return out;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThan(tol);
}

test('stopGradient passes the value and no gradient', () => {
  const x = tf.tensor1d([1, 2, 3]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(stopGradient(t), t)))(x);
  // d/dt sum(sg(t) * t) = sg(t) = t, not 2t
  expectClose(g.dataSync(), [1, 2, 3], 1e-6);
  tf.dispose([x, g]);
});

test('conditionalInfoNCE: zero gradient w.r.t. logW, nonzero and correct w.r.t. phi', () => {
  const phi = randomMatrix(1, 6);
  const logW = randomMatrix(2, 6, 2);
  const gW = tf.grad((w: tf.Tensor) => conditionalInfoNCE(phi, w as tf.Tensor2D))(logW);
  expect(Array.from(gW.dataSync()).every((v) => v === 0)).toBe(true);
  const gPhi = tf.grad((p: tf.Tensor) => conditionalInfoNCE(p as tf.Tensor2D, logW))(phi);
  expect(Math.max(...Array.from(gPhi.dataSync()).map(Math.abs))).toBeGreaterThan(1e-3);
  expectClose(gPhi.dataSync(), numericGrad((p) => conditionalInfoNCE(p, logW), phi), 2e-3);
  tf.dispose([phi, logW, gW, gPhi]);
});

test('the importance weights change the value but the gradient still treats them as constants', () => {
  // Computing the gradient through weights that are a function of phi itself: only the phi path counts.
  const phi = randomMatrix(3, 5);
  const fromSelf = tf.grad((p: tf.Tensor) => conditionalInfoNCE(p as tf.Tensor2D, p as tf.Tensor2D))(phi);
  const fromConst = tf.grad((p: tf.Tensor) => conditionalInfoNCE(p as tf.Tensor2D, tf.clone(phi)))(phi);
  expectClose(fromSelf.dataSync(), fromConst.dataSync(), 1e-6);
  tf.dispose([phi, fromSelf, fromConst]);
});

test('infoNCE gradient is (I - softmax(S)) / N', () => {
  const s = randomMatrix(4, 5);
  const g = tf.grad((x: tf.Tensor) => infoNCE(x as tf.Tensor2D))(s);
  const expected = tf.tidy(() => tf.div(tf.sub(tf.eye(5), tf.softmax(s, 1)), 5));
  expectClose(g.dataSync(), expected.dataSync(), 1e-6);
  tf.dispose([s, g, expected]);
});

test.each([
  ['nwj', nwj],
  ['dv', dv],
  ['jsd', jsd],
  ['jsdMI', jsdMI],
])('%s gradient matches finite differences', (_name, f) => {
  const s = randomMatrix(5, 4);
  const g = tf.grad((x: tf.Tensor) => f(x as tf.Tensor2D))(s);
  expectClose(g.dataSync(), numericGrad(f, s), 2e-3);
  tf.dispose([s, g]);
});

test('demi: the level-1 critic gets gradient only from its own InfoNCE term (the weights it feeds carry none)', () => {
  const s1 = randomMatrix(6, 6);
  const s2 = randomMatrix(7, 6);
  const s3 = randomMatrix(8, 6);
  const viaDemi = tf.grad((x: tf.Tensor) => demi([{ scores: x as tf.Tensor2D }, { scores: s2 }, { scores: s3 }]).total)(s1);
  const alone = tf.grad((x: tf.Tensor) => infoNCE(x as tf.Tensor2D))(s1);
  expectClose(viaDemi.dataSync(), alone.dataSync(), 1e-6);
  // and level 2 gets its conditional term's gradient only (level 3's weights use S1 + S2 without gradient)
  const g2 = tf.grad((x: tf.Tensor) => demi([{ scores: s1 }, { scores: x as tf.Tensor2D }, { scores: s3 }]).total)(s2);
  const g2alone = tf.grad((x: tf.Tensor) => conditionalInfoNCE(x as tf.Tensor2D, s1))(s2);
  expectClose(g2.dataSync(), g2alone.dataSync(), 1e-6);
  tf.dispose([s1, s2, s3, viaDemi, alone, g2, g2alone]);
});

describe('MineEMA', () => {
  test('value equals DV; first gradient equals the DV gradient (the EMA starts at the batch value)', () => {
    const mine = new MineEMA(0.9);
    const s = randomMatrix(9, 5);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => mine.call(x as tf.Tensor2D))(s);
    const dvValue = tf.tidy(() => dv(s).dataSync()[0]);
    expect(value.dataSync()[0]).toBeCloseTo(dvValue, 5);
    const gDv = tf.grad((x: tf.Tensor) => dv(x as tf.Tensor2D))(s);
    expectClose(grad.dataSync(), gDv.dataSync(), 1e-6);
    tf.dispose([s, value, grad, gDv]);
    mine.dispose();
  });

  test('later gradients scale the partition term by batch mean / EMA', () => {
    const momentum = 0.9;
    const mine = new MineEMA(momentum);
    const s1 = randomMatrix(10, 5);
    const s2 = tf.tidy(() => tf.add(randomMatrix(11, 5), 1) as tf.Tensor2D);
    tf.tidy(() => mine.call(s1)); // EMA <- mean_offdiag e^{s1}
    const meanExp = (s: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.mul(tf.exp(s), tf.sub(1, tf.eye(5)))).dataSync()[0] / 20);
    const ema = momentum * meanExp(s1) + (1 - momentum) * meanExp(s2);
    const g = tf.grad((x: tf.Tensor) => mine.call(x as tf.Tensor2D))(s2);
    expect(mine.ema()).toBeCloseTo(ema, 4);
    // expected: I/N - offdiag(e^{S}) / (N (N-1) EMA)
    const expected = tf.tidy(() =>
      tf.sub(tf.div(tf.eye(5), 5), tf.div(tf.mul(tf.exp(s2), tf.sub(1, tf.eye(5))), 20 * ema)),
    );
    expectClose(g.dataSync(), expected.dataSync(), 1e-5);
    // and it differs from the plain DV gradient, which divides by this batch's own mean
    const gDv = tf.grad((x: tf.Tensor) => dv(x as tf.Tensor2D))(s2);
    const diff = Math.max(...Array.from(tf.tidy(() => tf.abs(tf.sub(g, gDv)).dataSync())));
    expect(diff).toBeGreaterThan(1e-3);
    tf.dispose([s1, s2, g, expected, gDv]);
    mine.dispose();
  });
});
