/**
 * evaluateCorpus: one JSON-able report whose numbers equal the individual metrics (each of which is
 * checked against its reference implementation's values in the other test files).
 */
import {
  corpusBleu,
  corpusF1,
  distinctN,
  entropyN,
  evaluateCorpus,
  intraDistinctN,
  MetricsError,
  replyRepetition,
} from '../../model/metrics/index.js';

// sacrebleu's README corpus, references given per hypothesis.
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REFS = [
  ['The dog bit the man.', 'The dog had bit the man.'],
  ['It was not unexpected.', 'No one was surprised.'],
  ['The man bit him first.', 'The man had bitten the dog.'],
];

describe('evaluateCorpus', () => {
  const report = evaluateCorpus({ hypotheses: HYPS, references: REFS, nll: { nllSum: 4.5, tokenCount: 10 } });

  it('reports sacrebleu BLEU (README value) with its signature line', () => {
    expect(Math.abs(report.bleu.score - 48.530827)).toBeLessThan(1e-6);
    expect(report.bleu.line).toBe(
      'BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)',
    );
    expect(report.bleu.counts).toEqual([14, 7, 5, 3]);
    expect(report.bleu.totals).toEqual([17, 14, 11, 8]);
    expect(report.bleu.sys_len).toBe(17);
    expect(report.bleu.ref_len).toBe(18);
  });

  it('agrees with the individual metric functions', () => {
    expect(report.bleu.score).toBe(corpusBleu(HYPS, REFS).score);
    expect(report.f1.f1).toBe(corpusF1(HYPS, REFS).f1);
    expect(report.distinct.distinct1).toBe(distinctN(HYPS, 1));
    expect(report.distinct.distinct2).toBe(distinctN(HYPS, 2));
    expect(report.distinct.intraDistinct2).toBe(intraDistinctN(HYPS, 2));
    expect(report.entropy.entropy4).toBe(entropyN(HYPS, 4));
    // whitespace tokens: 5 + 3 + 6
    expect(report.averageLength.words).toBeCloseTo(14 / 3, 12);
    expect(report.replies).toEqual(replyRepetition(HYPS, 10));
    expect(report.perplexity?.perplexity).toBeCloseTo(Math.exp(0.45), 12);
  });

  it('names every definition, and survives a JSON round trip unchanged', () => {
    expect(report.distinct.definition).toMatch(/unique n-grams \/ total n-grams over all hypotheses/);
    expect(report.distinct.tokenization).toBe('whitespace');
    expect(report.entropy.unit).toBe('nats');
    expect(report.perplexity?.tokenizer).toBe('unstated');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('leaves perplexity null without NLL, and passes options through', () => {
    const r = evaluateCorpus({
      hypotheses: HYPS,
      references: REFS,
      options: { bleu: { lowercase: true }, tokenization: 'parlai' },
    });
    expect(r.perplexity).toBeNull();
    expect(r.bleu.signature).toBe('nrefs:2|case:lc|eff:no|tok:13a|smooth:exp|version:2.x');
    expect(r.distinct.tokenization).toBe('parlai');
  });

  it('rejects mismatched inputs with a MetricsError saying what to pass', () => {
    expect(() => evaluateCorpus({ hypotheses: HYPS, references: REFS.slice(1) })).toThrow(/one entry per hypothesis/);
    expect(() => evaluateCorpus({ hypotheses: [], references: [] })).toThrow(MetricsError);
    expect(() =>
      evaluateCorpus({ hypotheses: HYPS, references: REFS, nll: [{ nllSum: 1, tokenCount: 1 }] }),
    ).toThrow(/one per example/);
  });
});
