/** The correlated-Gaussian sampler, subviews and exact conditional sampler against their closed forms. */
import { SeededRandom } from '../../core/index.js';
import {
  coordinatesMI, miToRho, rhoToMI, sampleConditionalX, sampleCorrelatedGaussian, subviewSizes, SyntheticError, trueTerms,
} from '../../model/synthetic/index.js';

test('rho <-> MI round trip and the SMILE formula', () => {
  for (const mi of [0.1, 2, 10, 20, 40]) expect(rhoToMI(miToRho(mi, 20), 20)).toBeCloseTo(mi, 8);
  // SMILE: rho = sqrt(1 - exp(-2 MI / d))
  expect(miToRho(20, 20)).toBeCloseTo(Math.sqrt(1 - Math.exp(-2)), 12);
  expect(() => miToRho(-1, 20)).toThrow(SyntheticError);
});

test('samples have unit variance and per-coordinate correlation rho', () => {
  const rho = miToRho(10, 20);
  const b = sampleCorrelatedGaussian(new SeededRandom(1), 5000, 20, rho);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < b.x.length; i++) {
    sxy += b.x[i] * b.y[i];
    sxx += b.x[i] * b.x[i];
    syy += b.y[i] * b.y[i];
  }
  const n = b.x.length;
  expect(sxx / n).toBeCloseTo(1, 1);
  expect(syy / n).toBeCloseTo(1, 1);
  expect(Math.abs(sxy / n - rho)).toBeLessThan(0.015); // std of this mean ~ 0.004
});

test('same seed, same batch', () => {
  const a = sampleCorrelatedGaussian(new SeededRandom(7), 4, 3, 0.5);
  const b = sampleCorrelatedGaussian(new SeededRandom(7), 4, 3, 0.5);
  expect(Array.from(a.y)).toEqual(Array.from(b.y));
});

test('nested subviews: y(k) = first ceil(k d / M) coordinates; terms add up to the total MI', () => {
  expect(subviewSizes(20, 4)).toEqual([5, 10, 15, 20]);
  expect(subviewSizes(20, 8)).toEqual([3, 5, 8, 10, 13, 15, 18, 20]);
  expect(subviewSizes(20, 1)).toEqual([20]);
  expect(() => subviewSizes(4, 5)).toThrow(/M <= d/);
  const rho = miToRho(20, 20);
  const terms = trueTerms(20, 8, rho);
  expect(terms.reduce((a, b) => a + b, 0)).toBeCloseTo(20, 8);
  expect(terms[0]).toBeCloseTo(coordinatesMI(3, rho), 10);
  expect(terms[1]).toBeCloseTo(2, 8);
});

test('exact conditional sampler: x | y_S ~ N(rho y_S, 1 - rho^2) on S, N(0, 1) elsewhere', () => {
  const rho = 0.8;
  const dim = 4;
  const y = new Float32Array([1.5, -2, 0.5, 3]); // one anchor
  const k = 20000;
  const xs = sampleConditionalX(new SeededRandom(3), y, dim, rho, 2, 1, k);
  for (let c = 0; c < dim; c++) {
    let m = 0, v = 0;
    for (let i = 0; i < k; i++) m += xs[i * dim + c];
    m /= k;
    for (let i = 0; i < k; i++) v += (xs[i * dim + c] - m) ** 2;
    v /= k - 1;
    expect(m).toBeCloseTo(c < 2 ? rho * y[c] : 0, 1);
    expect(v).toBeCloseTo(c < 2 ? 1 - rho * rho : 1, 1);
  }
});
