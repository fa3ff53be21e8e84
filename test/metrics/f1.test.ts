/**
 * ParlAI-style F1 (parlai/core/metrics.py `F1Metric`, `normalize_answer`, `ExactMatchMetric`).
 * ParlAI's test suite has no unit test with F1 numbers (tests/test_metrics.py covers distinct and
 * PPL, not F1), so these values are derived by hand from the definition in
 * docs/ARCHITECTURE.md §7; each comment shows the arithmetic.
 */
import { corpusF1, exactMatch, f1Score, MetricsError, normalizeAnswer } from '../../model/metrics/index.js';

describe('normalize_answer', () => {
  it.each([
    // lowercase, punctuation -> space (so `don't` -> `don t`), whitespace collapsed
    ["Don't  STOP, me now!", 'don t stop me now'],
    // the articles a/an/the go when they are whole words only
    ['The answer is an apple, not a banana', 'answer is apple not banana'],
    ['theatre another area', 'theatre another area'],
    // `_` and `'` are punctuation too, so `a_lot` -> `a lot` -> `lot`
    ['needs A_LOT of the normalization', 'needs lot of normalization'],
    // non-ASCII punctuation is kept
    ['“quoted” — text', '“quoted” — text'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });

  it('article boundaries are Unicode-aware like Python 3 \\b (é is a word character)', () => {
    expect(normalizeAnswer('éa a')).toBe('éa');
    expect(normalizeAnswer('aé')).toBe('aé');
    expect(normalizeAnswer('x a\u3000the')).toBe('x');
  });
});

describe('F1', () => {
  it('ParlAI metrics.py __main__ example: "hello" vs "hello I am good"', () => {
    // overlap 1; P = 1/1, R = 1/4, F1 = 2 * 1 * 0.25 / 1.25 = 0.4
    const s = f1Score('hello', ['hello I am good']);
    expect(s.precision).toBeCloseTo(1, 12);
    expect(s.recall).toBeCloseTo(0.25, 12);
    expect(s.f1).toBeCloseTo(0.4, 12);
  });

  it('counts overlap as a multiset intersection', () => {
    // hyp [i, like, like, cats], ref [i, like, dogs]: overlap = i + like(min 2,1) = 2
    // P = 2/4, R = 2/3, F1 = 2 * 0.5 * 0.6667 / 1.1667 = 4/7
    const s = f1Score('I like like cats.', 'I like dogs');
    expect(s.f1).toBeCloseTo(4 / 7, 12);
  });

  it('normalizes before matching: case, punctuation, articles', () => {
    expect(f1Score('The CAT sat.', ['a cat sat']).f1).toBe(1);
  });

  it('no overlap, an empty hypothesis, or an all-article hypothesis give 0', () => {
    expect(f1Score('dog', 'cat')).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(f1Score('', 'cat').f1).toBe(0);
    expect(f1Score('the a an', 'the cat').f1).toBe(0);
  });

  it('takes the best reference; precision and recall are each maximised', () => {
    // ref 1: "hello there" -> P = 1/3, R = 1/2, F1 = 0.4; ref 2: "hello world friend" -> overlap
    // hello, world: P = 2/3, R = 2/3, F1 = 2/3
    const s = f1Score('hello world again', ['hello there', 'hello world friend']);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
  });

  it('corpus F1 is the mean over examples; exact match is ParlAI accuracy', () => {
    const r = corpusF1(['hello', 'The cat.'], [['hello I am good'], 'cat']);
    expect(r.f1).toBeCloseTo((0.4 + 1) / 2, 12);
    expect(r.exactMatch).toBe(0.5);
    expect(r.count).toBe(2);
    expect(exactMatch('The cat!', ['a cat'])).toBe(1);
  });

  it('rejects missing references and mismatched lengths with a MetricsError', () => {
    expect(() => f1Score('x', [])).toThrow(MetricsError);
    expect(() => corpusF1(['a', 'b'], ['a'])).toThrow(/one entry per hypothesis/);
  });
});
