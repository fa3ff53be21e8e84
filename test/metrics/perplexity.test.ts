/**
 * Perplexity. External values: ParlAI tests/test_metrics.py `test_ppl_metric_from_mask`
 * (assertAlmostEqual, places=6): masked per-token losses give PPLMetric(4.5, 10) and
 * PPLMetric(0.6, 6), whose values are exp(4.5/10) and exp(0.6/6); adding PPLMetrics pools NLL
 * and token counts (micro average). ParlAI's third row, PPLMetric(0, 0), has value exp(0) = 1;
 * here zero scored tokens is an error instead (documented in model/metrics/perplexity.ts).
 */
import { MetricsError, perplexity, perplexityFromTokenNll } from '../../model/metrics/index.js';

const TOKEN_VALUES = [
  [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
  [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
];
const TOKEN_MASK = [
  [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
];
const masked = (row: number) => TOKEN_VALUES[row]!.filter((_, j) => TOKEN_MASK[row]![j] === 1);

describe('perplexity: ParlAI test_ppl_metric_from_mask', () => {
  it('row 1: PPLMetric(4.5, 10)', () => {
    const r = perplexityFromTokenNll(masked(0));
    expect(r.tokenCount).toBe(10);
    expect(r.nllSum).toBeCloseTo(4.5, 6);
    expect(r.perplexity).toBeCloseTo(Math.exp(4.5 / 10), 6);
  });

  it('row 2: PPLMetric(0.6, 6)', () => {
    const r = perplexityFromTokenNll(masked(1));
    expect(r.tokenCount).toBe(6);
    expect(r.perplexity).toBeCloseTo(Math.exp(0.6 / 6), 6);
  });

  it('row 3 (no scored token): ParlAI reports 1.0; here it is an error that names the mask', () => {
    expect(() => perplexityFromTokenNll(masked(2))).toThrow(/scored token/);
  });

  it('examples pool over tokens (micro average), as PPLMetric addition does', () => {
    const r = perplexity([
      { nllSum: 4.5, tokenCount: 10 },
      { nllSum: 0.6, tokenCount: 6 },
    ]);
    expect(r.perplexity).toBeCloseTo(Math.exp(5.1 / 16), 12);
    // not the mean of per-example perplexities
    expect(r.perplexity).not.toBeCloseTo((Math.exp(0.45) + Math.exp(0.1)) / 2, 6);
  });
});

describe('perplexity: input checks', () => {
  it('a uniform model over V tokens has perplexity V', () => {
    expect(perplexity({ nllSum: 7 * Math.log(50257), tokenCount: 7 }).perplexity).toBeCloseTo(50257, 6);
  });

  it('rejects a negative NLL sum, a fractional count and non-finite values', () => {
    expect(() => perplexity({ nllSum: -3, tokenCount: 2 })).toThrow(MetricsError);
    expect(() => perplexity({ nllSum: 3, tokenCount: 2.5 })).toThrow(MetricsError);
    expect(() => perplexity({ nllSum: Number.NaN, tokenCount: 2 })).toThrow(MetricsError);
  });
});
