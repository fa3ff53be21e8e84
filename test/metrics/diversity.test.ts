/**
 * Distinct-n, entropy-n and average length.
 * External values: ParlAI tests/test_metrics.py `TestDistinct`. ParlAI combines InterDistinctMetric objects with `+`
 * (the n-gram counters are added, i.e. the corpus is pooled) and IntraDistinctMetric with `+`
 * (a mean over examples); `distinctN` and `intraDistinctN` on the list of texts are those sums.
 * DialoGPT's dstc/metrics.py (calc_diversity, calc_entropy, calc_len) ships no test values; the
 * entropy checks below are closed forms of its formula (shown in the comments).
 */
import { averageLength, distinctN, entropyN, intraDistinctN, MetricsError, replyRepetition } from '../../model/metrics/index.js';

describe('distinct-n: ParlAI TestDistinct', () => {
  it('test_inter_distinct: 3 bigrams all once = 1.0; the same text twice = 0.5', () => {
    expect(distinctN(['this is some test'], 2, { tokenization: 'parlai' })).toBeCloseTo(1.0, 7);
    expect(distinctN(['this is some test', 'this is some test'], 2, { tokenization: 'parlai' })).toBeCloseTo(0.5, 7);
  });

  it('test_inter_distinct_unigram: "this test" + "another test" = 3/4', () => {
    expect(distinctN(['this test'], 1, { tokenization: 'parlai' })).toBeCloseTo(1.0, 3);
    expect(distinctN(['another test'], 1, { tokenization: 'parlai' })).toBeCloseTo(1.0, 3);
    expect(distinctN(['this test', 'another test'], 1, { tokenization: 'parlai' })).toBeCloseTo(3 / 4, 7);
  });

  it('test_intra_distinct: 4/5 and 2/5, mean 3/5', () => {
    expect(intraDistinctN(['this is some test test'], 1, { tokenization: 'parlai' })).toBeCloseTo(4 / 5, 7);
    expect(intraDistinctN(['this test test test test'], 1, { tokenization: 'parlai' })).toBeCloseTo(2 / 5, 7);
    expect(intraDistinctN(['this is some test test', 'this test test test test'], 1, { tokenization: 'parlai' })).toBeCloseTo(
      3 / 5,
      7,
    );
  });

  it('the same vectors hold with DialoGPT whitespace tokens (no punctuation in them)', () => {
    expect(distinctN(['this test', 'another test'], 1)).toBe(3 / 4);
    expect(distinctN(['this is some test', 'this is some test'], 2)).toBe(0.5);
  });
});

describe('distinct-n: definition details', () => {
  it('corpus-level and per-sentence forms differ, and the corpus form pools n-grams', () => {
    const hyps = ['a b a b', 'c d'];
    // corpus unigrams: a,b,a,b,c,d -> 4 unique / 6; per sentence: 2/4 and 2/2 -> mean 0.75
    expect(distinctN(hyps, 1)).toBeCloseTo(4 / 6, 12);
    expect(intraDistinctN(hyps, 1)).toBeCloseTo(0.75, 12);
    // bigrams never span two hypotheses: "a b","b a","a b" | "c d" -> 3 unique / 4
    expect(distinctN(hyps, 2)).toBeCloseTo(3 / 4, 12);
  });

  it('whitespace tokens are case- and punctuation-sensitive (DialoGPT), parlai tokens are not', () => {
    expect(distinctN(['Yes.', 'yes'], 1)).toBe(1);
    expect(distinctN(['Yes.', 'yes'], 1, { tokenization: 'parlai' })).toBe(0.5);
  });

  it('a corpus without n-grams of that order gives 0; a custom tokenizer is used as given', () => {
    expect(distinctN(['one', ''], 2)).toBe(0);
    expect(intraDistinctN(['one', 'x y'], 2)).toBe(0.5);
    expect(distinctN(['abab'], 1, { tokenization: (s) => Array.from(s) })).toBe(0.5);
  });

  it('rejects n < 1', () => {
    expect(() => distinctN(['a'], 0)).toThrow(MetricsError);
  });
});

describe('entropy-n (DialoGPT calc_entropy)', () => {
  it('k distinct n-grams once each give ln k', () => {
    // "a b c d e f g" has 4 distinct 4-grams: Ent-4 = ln 4
    expect(entropyN(['a b c d e f g'])).toBeCloseTo(Math.log(4), 12);
    expect(entropyN(['a b c', 'd e f'], 1)).toBeCloseTo(Math.log(6), 12);
  });

  it('one n-gram repeated gives 0; counts 3 and 1 give -(3/4 ln 3/4 + 1/4 ln 1/4)', () => {
    expect(entropyN(['x x x x x'], 4)).toBe(0);
    expect(entropyN(['a a a b'], 1)).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
  });

  it('n-grams never span hypotheses and default n is 4', () => {
    // two 3-token lines have no 4-gram at all
    expect(entropyN(['a b c', 'd e f'])).toBe(0);
    expect(entropyN(['a b c d', 'a b c d'])).toBe(0);
  });
});

describe('average length (DialoGPT calc_len)', () => {
  it('is the mean whitespace token count', () => {
    expect(averageLength(['a b c', '', 'd\te'])).toBeCloseTo(5 / 3, 12);
  });

  it('an empty corpus is an error', () => {
    expect(() => averageLength([])).toThrow(MetricsError);
  });
});

describe('reply repetition', () => {
  it('ranks whole replies by count, ties in first-generated order, and reports their shares', () => {
    const hyps = ['b', 'I am not sure .', ' I am not sure . ', 'a', 'ok', 'a', 'I am not sure .', 'ok', 'OK'];
    const r = replyRepetition(hyps, 3);
    expect(r.mostFrequent).toEqual([
      { text: 'I am not sure .', count: 3, share: 3 / 9 },
      { text: 'a', count: 2, share: 2 / 9 },
      { text: 'ok', count: 2, share: 2 / 9 },
    ]);
    expect(r.maxShare).toBe(3 / 9);
    expect(r.topShare).toBe(7 / 9);
    // b, "I am not sure .", a, ok, OK: case is not folded
    expect(r.uniqueShare).toBe(5 / 9);
  });

  it('all-distinct replies share 1/n each; bad input is an error', () => {
    const r = replyRepetition(['x', 'y', 'z', 'w'], 10);
    expect(r.mostFrequent.map((m) => m.text)).toEqual(['x', 'y', 'z', 'w']);
    expect(r.maxShare).toBe(0.25);
    expect(r.topShare).toBe(1);
    expect(() => replyRepetition([])).toThrow(MetricsError);
    expect(() => replyRepetition(['a'], 0)).toThrow(MetricsError);
  });
});
