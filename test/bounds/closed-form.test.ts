/**
 * Each bound with the optimal critic plugged in analytically, on correlated Gaussians
 * (y = rho x + sqrt(1 - rho^2) eps, I = -d/2 log(1 - rho^2), d = 20, N = 128), lands where theory says.
 */
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { conditionalInfoNCE, conditionalInfoNCEExact, demi, diagOf, dv, infoNCE, importanceESS, jsdMI, nwj } from '../../model/bounds/index.js';
import { miToRho, optimalCandidateScores, sampleConditionalX, subviewSizes, trueTerms } from '../../model/synthetic/index.js';
import { batches, D, mean, N, optimal, values } from './gaussian-fixture.js';

const LOG_N = Math.log(N);

beforeAll(async () => {
  await selectBackend();
});

describe('unconditional bounds with the optimal critic', () => {
  test('InfoNCE is close to I when I << log N', () => {
    const v = values(batches(1, 1, 8), (b) => infoNCE(optimal(b)));
    expect(Math.abs(mean(v) - 1)).toBeLessThan(0.15);
  });

  test('InfoNCE saturates just below log N when I >> log N, and never exceeds it', () => {
    for (const mi of [10, 20]) {
      const v = values(batches(2, mi, 4), (b) => infoNCE(optimal(b)));
      for (const x of v) expect(x).toBeLessThanOrEqual(LOG_N + 1e-5);
      expect(mean(v)).toBeGreaterThan(LOG_N - 0.15);
    }
    // even a critic that separates the positives perfectly cannot pass log N
    const perfect = tf.tidy(() => infoNCE(tf.mul(tf.eye(N), 1e4) as tf.Tensor2D).dataSync()[0]);
    expect(perfect).toBeCloseTo(LOG_N, 4);
  });

  test('NWJ (critic 1 + pmi), DV (critic pmi) and the JSD read-out (critic pmi) are near I at small I', () => {
    for (const mi of [0.5, 1]) {
      const bs = batches(3, mi, 8);
      expect(Math.abs(mean(values(bs, (b) => nwj(optimal(b, 0, D, 1)))) - mi)).toBeLessThan(0.12);
      expect(Math.abs(mean(values(bs, (b) => dv(optimal(b)))) - mi)).toBeLessThan(0.12);
      expect(Math.abs(mean(values(bs, (b) => jsdMI(optimal(b)))) - mi)).toBeLessThan(0.12);
    }
  });

  test('NWJ is a lower bound: a wrong critic lands below the truth', () => {
    const bs = batches(4, 1, 8);
    // the DV-optimal critic without NWJ's +1 shift is off by a constant: NWJ gives I - 1/e
    expect(mean(values(bs, (b) => nwj(optimal(b))))).toBeLessThan(1 - 0.25);
    expect(mean(values(bs, (b) => nwj(tf.mul(optimal(b, 0, D, 1), 0.5) as tf.Tensor2D)))).toBeLessThan(0.9);
  });
});

describe('conditional bounds', () => {
  test('exact conditional negatives: the bound matches the true conditional MI of a chunk', () => {
    // I = 8, d = 20, M = 4: each 5-coordinate chunk carries 2 nats, and I(x; y(k) | y(k-1)) = 2.
    const mi = 8;
    const sizes = subviewSizes(D, 4);
    const rng = new SeededRandom(5);
    const [b] = batches(5, mi, 1);
    const anchors = 64;
    const k = 127;
    const estimates: number[] = [];
    const wrong: number[] = [];
    for (let level = 1; level < 4; level++) {
      const [from, to] = [sizes[level - 1], sizes[level]];
      const cond = sampleConditionalX(rng, b.y, D, b.rho, from, anchors, k);
      const marg = sampleConditionalX(rng, b.y, D, b.rho, 0, anchors, k); // negatives from p(x), for contrast
      tf.tidy(() => {
        // the optimal conditional critic scores only the chunk the level adds: log p(x | y(k)) / p(x | y(k-1))
        const pos = tf.slice(diagOf(optimal(b, from, to)), 0, anchors) as tf.Tensor1D;
        estimates.push(conditionalInfoNCEExact(pos, optimalCandidateScores(cond, b.y, anchors, k, D, b.rho, from, to)).dataSync()[0]);
        // scoring the whole y(k) against p(x) negatives measures I(x; y(k)) instead
        const posFull = tf.slice(diagOf(optimal(b, 0, to)), 0, anchors) as tf.Tensor1D;
        wrong.push(conditionalInfoNCEExact(posFull, optimalCandidateScores(marg, b.y, anchors, k, D, b.rho, 0, to)).dataSync()[0]);
      });
    }
    const truth = trueTerms(D, 4, miToRho(mi, D))[1];
    expect(truth).toBeCloseTo(2, 6);
    expect(Math.abs(mean(estimates) - truth)).toBeLessThan(0.3);
    for (const e of estimates) expect(e).toBeLessThan(Math.log(k + 1));
    expect(mean(wrong)).toBeGreaterThan(truth + 1);
  });

  test('importance-weighted negatives match the truth while the weights keep a large effective sample', () => {
    // I = 2, M = 2: I(x; y(1)) = 1 nat, so the weights spread over many in-batch samples.
    const bs = batches(6, 2, 6);
    const v = values(bs, (b) => conditionalInfoNCE(optimal(b, 10, 20), optimal(b, 0, 10)));
    expect(Math.abs(mean(v) - 1)).toBeLessThan(0.15);
    const ess = mean(values(bs, (b) => tf.mean(importanceESS(optimal(b, 0, 10))) as tf.Scalar));
    expect(ess).toBeGreaterThan(10);
  });

  test('with uniform weights (logW = 0) the conditional bound reduces to InfoNCE on phi', () => {
    const [b] = batches(7, 3, 1);
    const [a, c] = tf.tidy(() => {
      const phi = optimal(b);
      return [conditionalInfoNCE(phi, tf.zeros([N, N])).dataSync()[0], infoNCE(phi).dataSync()[0]];
    });
    expect(a).toBeCloseTo(c, 4);
  });
});

describe('DEMI chain-rule sum with the optimal critics', () => {
  test('exceeds log N when I >> log N, with every term at most log N', () => {
    const mi = 20;
    const sizes = subviewSizes(D, 4);
    const bs = batches(8, mi, 3);
    const totals: number[] = [];
    for (const b of bs) {
      tf.tidy(() => {
        const levels = sizes.map((to, k) => ({ scores: optimal(b, k === 0 ? 0 : sizes[k - 1], to) }));
        const { total, terms } = demi(levels);
        const t = terms.map((x) => x.dataSync()[0]);
        for (const x of t) expect(x).toBeLessThanOrEqual(LOG_N + 1e-4);
        expect(total.dataSync()[0]).toBeCloseTo(t.reduce((a, c) => a + c, 0), 3);
        totals.push(total.dataSync()[0]);
      });
    }
    const infonce = mean(values(bs, (b) => infoNCE(optimal(b))));
    expect(infonce).toBeLessThanOrEqual(LOG_N + 1e-5);
    expect(mean(totals)).toBeGreaterThan(2.5 * LOG_N);
    expect(mean(totals)).toBeLessThanOrEqual(4 * LOG_N);
  });

  test('importance-weighted terms overshoot more, the more the weights\' level knows about x', () => {
    // The weighted in-batch samples stand in for p(x | y(k-1)); once I(x; y(k-1)) passes ~log N they
    // collapse onto a few in-batch samples (ESS falls) and the term climbs above its truth.
    const mi = 10;
    const sizes = subviewSizes(D, 4);
    const truth = trueTerms(D, 4, miToRho(mi, D));
    const bs = batches(12, mi, 6);
    const overshoots: number[] = [];
    const ess: number[] = [];
    for (let level = 1; level < 4; level++) {
      const [from, to] = [sizes[level - 1], sizes[level]];
      overshoots.push(mean(values(bs, (b) => conditionalInfoNCE(optimal(b, from, to), optimal(b, 0, from)))) - truth[level]);
      ess.push(mean(values(bs, (b) => tf.mean(importanceESS(optimal(b, 0, from))) as tf.Scalar)));
    }
    expect(overshoots[0]).toBeGreaterThan(0);
    expect(overshoots[1]).toBeGreaterThan(overshoots[0] + 0.1);
    expect(overshoots[2]).toBeGreaterThan(overshoots[1] + 0.1);
    expect(ess[0]).toBeGreaterThan(ess[1]);
    expect(ess[1]).toBeGreaterThan(ess[2]);
    expect(ess[2]).toBeLessThan(3);
  });

  test('with exact negatives the sum exceeds log N and stays below the truth', () => {
    const mi = 20;
    const sizes = subviewSizes(D, 4);
    const rng = new SeededRandom(9);
    const [b] = batches(9, mi, 1);
    const anchors = 32;
    const k = 127;
    const total = tf.tidy(() => {
      const levels: Parameters<typeof demi>[0] = [{ scores: optimal(b, 0, sizes[0]) }];
      for (let level = 1; level < 4; level++) {
        const [from, to] = [sizes[level - 1], sizes[level]];
        const cand = sampleConditionalX(rng, b.y, D, b.rho, from, anchors, k);
        levels.push({
          positive: tf.slice(diagOf(optimal(b, from, to)), 0, anchors) as tf.Tensor1D,
          negatives: optimalCandidateScores(cand, b.y, anchors, k, D, b.rho, from, to),
        });
      }
      return demi(levels).total.dataSync()[0];
    });
    expect(total).toBeGreaterThan(2.5 * LOG_N);
    expect(total).toBeLessThan(mi);
  });
});
