/**
 * BLEU checked against sacrebleu's OWN published values, to the precision those sources print:
 * - mjpost/sacrebleu test/test_bleu.py (EPSILON = 1e-8 on scores, exact statistics, and the
 *   `f"{score:.2f}"` strings of test_max_ngram_order);
 * - mjpost/sacrebleu test/test_sentence_bleu.py (EPSILON = 1e-3);
 * - mjpost/sacrebleu README.md (the Python API's printed score lines and signatures);
 * - huggingface/evaluate metrics/sacrebleu/sacrebleu.py (doctest examples, rounded to 0.1).
 * `raw_corpus_bleu(sys, refs, v)` in those tests is corpus BLEU with tokenize='none',
 * smooth_method='floor', smooth_value=v, effective order on (sacrebleu/compat.py).
 */
import {
  bleuFromStatistics,
  corpusBleu,
  referencesFromStreams,
  sentenceBleu,
  type BleuOptions,
  type SmoothMethod,
  type BleuTokenizerName,
} from '../../model/metrics/index.js';

// test_bleu.py compares with abs(a - b) < EPSILON.
const EPSILON = 1e-8;
const within = (actual: number, expected: number, eps: number) => {
  expect(Math.abs(actual - expected)).toBeLessThan(eps);
};

/** sacrebleu.raw_corpus_bleu(sys, refs, smooth_value) with refs in sacrebleu's stream layout. */
function rawCorpusBleu(sys: string[], refStreams: string[][], smoothValue: number | null = 0.1) {
  return corpusBleu(sys, referencesFromStreams(refStreams), {
    tokenize: 'none',
    smoothMethod: 'floor',
    smoothValue,
    effectiveOrder: true,
  });
}

// README example / test_bleu.py `_refs` and `_hyps` (two reference streams).
const REF_STREAMS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REFS = referencesFromStreams(REF_STREAMS);

describe('sacrebleu test_bleu.py: test_corpus_bleu', () => {
  const cases: [string, string[], BleuOptions, number][] = [
    ['default settings', HYPS, {}, 48.530827],
    ['empty hypotheses are not removed', ['', '', ''], {}, 0.0],
    ["tokenize='none'", HYPS, { tokenize: 'none' }, 49.1919566],
    ["tokenize='13a'", HYPS, { tokenize: '13a' }, 48.530827],
    ["tokenize='intl'", HYPS, { tokenize: 'intl' }, 43.91623493],
    ["smooth_method='none'", HYPS, { smoothMethod: 'none' }, 48.530827],
  ];
  it.each(cases)('%s', (_name, hyps, opts, expected) => {
    within(corpusBleu(hyps, REFS, opts).score, expected, EPSILON);
  });
});

describe('sacrebleu test_bleu.py: raw BLEU, effective order, statistics, offsets', () => {
  it.each([
    // "This now returns 0.0 score (#141)"
    [['this is a test', 'another test'], [['ref1', 'ref2']], 0.0],
    [['this is a test'], [['this is a test']], 1.0],
    [['this is a fest'], [['this is a test']], 0.223606797749979],
  ])('test_raw_bleu %j vs %j = %d', (sys, refs, expected) => {
    within(rawCorpusBleu(sys, refs, 0.01).score / 100, expected, EPSILON);
  });

  it.each([
    [['test'], [['a test']], 0.3678794411714425],
    [['a test'], [['a test']], 1.0],
    [['a little test'], [['a test']], 0.03218297948685433],
  ])('test_effective_order %j vs %j = %d', (sys, refs, expected) => {
    within(rawCorpusBleu(sys, refs, 0.01).score / 100, expected, EPSILON);
  });

  it('test_statistics: counts [4,2,1,0], totals [6,5,4,3]', () => {
    const r = rawCorpusBleu(['am I am a character sequence'], [['I am a symbol string sequence a a']], 0.01);
    expect(r.counts).toEqual([4, 2, 1, 0]);
    expect(r.totals).toEqual([6, 5, 4, 3]);
  });

  it('test_offset: 0 without a floor, 0.1555722182 with the default floor 0.1', () => {
    const sys = ['am I am a character sequence'];
    const refs = [['I am a symbol string sequence a a']];
    within(rawCorpusBleu(sys, refs, 0.0).score / 100, 0, EPSILON);
    within(rawCorpusBleu(sys, refs, null).score / 100, 0.1555722182, EPSILON);
    within(rawCorpusBleu(sys, refs).score / 100, 0.1555722182, EPSILON);
  });

  it('test_scoring: compute_bleu([9,7,5,3], [10,8,6,4], 11, 11) = 0.8375922397', () => {
    const r = bleuFromStatistics(
      { correct: [9, 7, 5, 3], total: [10, 8, 6, 4], sysLen: 11, refLen: 11 },
      { smoothMethod: 'none' },
    );
    within(r.score / 100, 0.8375922397, EPSILON);
  });

  it.each([
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ])('test_degenerate_statistics %j %j sys=%d ref=%d floor=%d gives exactly 0', (correct, total, sysLen, refLen, floor) => {
    const r = bleuFromStatistics({ correct, total, sysLen, refLen }, { smoothMethod: 'floor', smoothValue: floor });
    expect(r.score / 100).toBe(0.0);
  });

  it.each([
    [1, '77.65'],
    [2, '60.50'],
    [3, '53.93'],
    [4, '48.53'],
    [5, '46.14'],
    [6, '43.28'],
  ])('test_max_ngram_order %d gives "%s"', (order, expected) => {
    expect(corpusBleu(HYPS, REFS, { maxNgramOrder: order }).format({ scoreOnly: true, width: 2 })).toBe(expected);
  });
});

describe('sacrebleu test_sentence_bleu.py (example from sacrebleu #98, EPSILON 1e-3)', () => {
  const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
  const cases: [SmoothMethod, number | null, boolean, BleuTokenizerName, number][] = [
    ['exp', null, false, '13a', 8.493],
    ['none', null, false, '13a', 0.0],
    ['floor', null, false, '13a', 4.51688],
    ['floor', 0.1, false, '13a', 4.51688],
    ['floor', 0.5, false, '13a', 10.1],
    ['add-k', null, false, '13a', 14.882],
    ['add-k', 1, false, '13a', 14.882],
    ['add-k', 2, false, '13a', 21.389],
    ['exp', null, false, 'none', 7.347],
    ['exp', null, false, 'intl', 8.493],
    ['exp', null, false, 'char', 40.8759],
    ['exp', null, true, 'char', 42.0267],
  ];
  it.each(cases)('smooth=%s value=%p lowercase=%p tok=%s gives %d', (smoothMethod, smoothValue, lowercase, tokenize, expected) => {
    const s = sentenceBleu(SYS, [REF], { smoothMethod, smoothValue, lowercase, tokenize, effectiveOrder: true });
    expect(Math.abs(s.score - expected)).toBeLessThan(1e-3);
  });

  it.each(['exp', 'none', 'floor', 'add-k'] as const)('no match at all (#141) gives 0 with %s smoothing', (smoothMethod) => {
    expect(sentenceBleu('this is a cat', ['okay thanks'], { smoothMethod }).score).toBe(0);
  });

  it('sentenceBleu defaults are compat.sentence_bleu: exp smoothing, effective order on', () => {
    const s = sentenceBleu(SYS, [REF]);
    expect(Math.abs(s.score - 8.493)).toBeLessThan(1e-3);
    expect(s.signature.format()).toBe('nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.x');
  });
});

describe('sacrebleu README.md: printed score lines and signatures', () => {
  it('BLEU().corpus_score(sys, refs) prints the README line and signature', () => {
    const bleu = corpusBleu(HYPS, REFS, { signatureVersion: '2.0.0' });
    expect(bleu.format({ signature: false })).toBe(
      'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
    );
    expect(bleu.signature.format()).toBe('nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.0.0');
    expect(bleu.format()).toBe(
      'BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.0.0 = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
    );
  });

  it('variable number of references: an empty first reference gives the README line and nrefs:var', () => {
    const refs = referencesFromStreams([['', 'It was not unexpected.', 'The man bit him first.'], REF_STREAMS[1]!]);
    const bleu = corpusBleu(HYPS, refs, { signatureVersion: '2.0.0' });
    expect(bleu.format({ signature: false })).toBe(
      'BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)',
    );
    expect(bleu.signature.format()).toBe('nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.0.0');
    // `None` works like '' there.
    const withNull = referencesFromStreams([[null, 'It was not unexpected.', 'The man bit him first.'], REF_STREAMS[1]!]);
    expect(corpusBleu(HYPS, withNull).score).toBe(bleu.score);
  });

  it('short signature keys, as `sacrebleu -sh` prints them', () => {
    const bleu = corpusBleu(HYPS, REFS, { signatureVersion: '2.0.0' });
    expect(bleu.signature.format({ short: true })).toBe('#:2|c:mixed|e:no|tok:13a|s:exp|v:2.0.0');
  });

  it('smoothing values appear in the signature with two decimals (BLEUSignature)', () => {
    const floor = corpusBleu(HYPS, REFS, { smoothMethod: 'floor' }).signature.format();
    expect(floor).toBe('nrefs:2|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|version:2.x');
    const addK = corpusBleu(HYPS, REFS, { smoothMethod: 'add-k', smoothValue: 2, lowercase: true }).signature.format();
    expect(addK).toBe('nrefs:2|case:lc|eff:no|tok:13a|smooth:add-k[2.00]|version:2.x');
  });
});

describe('huggingface/evaluate sacrebleu doctests (per-prediction reference layout)', () => {
  it('Example 1 gives 100.0', () => {
    const r = corpusBleu(
      ['hello there general kenobi', 'foo bar foobar'],
      [
        ['hello there general kenobi', 'hello there !'],
        ['foo bar foobar', 'foo bar foobar'],
      ],
    );
    expect(r.score.toFixed(1)).toBe('100.0');
  });

  it('Example 2 gives 39.8', () => {
    const r = corpusBleu(
      ['hello there general kenobi', 'on our way to ankh morpork'],
      [
        ['hello there general kenobi', 'hello there !'],
        ['goodbye ankh morpork', 'ankh morpork'],
      ],
    );
    expect(r.score.toFixed(1)).toBe('39.8');
  });
});

describe('sacrebleu semantics that the vectors above rely on', () => {
  it('a reference list in sacrebleu stream layout is not silently accepted per hypothesis', () => {
    // 3 hypotheses, 2 streams: the lengths disagree, so the layout mistake is caught.
    expect(() => corpusBleu(HYPS, REF_STREAMS)).toThrow(/one entry per hypothesis/);
  });

  it('a segment whose references are all empty is an error, as in sacrebleu', () => {
    expect(() => corpusBleu(['x'], [['', null]])).toThrow(/no non-empty reference/);
  });

  it('the add-k smoothing counts are reported with k added, as sacrebleu reports them', () => {
    const r = corpusBleu(HYPS, REFS, { smoothMethod: 'add-k' });
    expect(r.counts).toEqual([14, 8, 6, 4]);
    expect(r.totals).toEqual([17, 15, 12, 9]);
  });

  it('the reference length is the closest one, ties going to the shorter (_get_closest_ref_len)', () => {
    // hypothesis of 5 tokens, references of 4 and 6 tokens: both 1 away, 4 is taken
    expect(corpusBleu(['a b c d e'], [['a b c d', 'a b c d e f']]).ref_len).toBe(4);
    expect(corpusBleu(['a b c d e'], [['a b c d e f', 'a b c d']]).ref_len).toBe(4);
    expect(corpusBleu(['a b c d e'], [['a b', 'a b c d e f g']]).ref_len).toBe(7);
  });

  it('precisions stop at the first order without hypothesis n-grams (compute_bleu breaks there)', () => {
    // effective order = 1: the later orders are never looked at, whatever they hold
    const r = bleuFromStatistics(
      { correct: [2, 0, 1, 0], total: [3, 0, 2, 0], sysLen: 3, refLen: 3 },
      { smoothMethod: 'floor', effectiveOrder: true },
    );
    expect(r.precisions).toEqual([(100 * 2) / 3, 0, 0, 0]);
    expect(r.score).toBeCloseTo((100 * 2) / 3, 10);
  });

  it('BLEU is not symmetric in the brevity penalty: a longer hypothesis keeps BP = 1', () => {
    const r = corpusBleu(['the cat sat on the mat today'], [['the cat sat on the mat']]);
    expect(r.bp).toBe(1);
    expect(r.sys_len).toBe(7);
    expect(r.ref_len).toBe(6);
  });
});
