import { MetricsError } from '../errors.js';
import { addNgrams } from './ngrams.js';
import { checkHypothesisList, wordTokenizer, type WordTokenization } from './word-tokenize.js';

/**
 * Distinct-n (Li et al. 2016), in the two forms used by dialogue papers.
 *
 * `distinctN` is the CORPUS-LEVEL form, the one `evaluateCorpus` reports as distinct-1/2:
 *   distinct-n = |unique n-grams over all hypotheses| / |n-grams over all hypotheses|
 * i.e. the denominator counts n-grams (not tokens), all hypotheses pooled. This is DialoGPT's
 * `calc_diversity` (dstc/metrics.py, whitespace tokens, the default here) and ParlAI's
 * `InterDistinctMetric` (with `tokenization: 'parlai'`). An n-gram never spans two hypotheses.
 *
 * `intraDistinctN` is the PER-SENTENCE-AVERAGE form (ParlAI's `IntraDistinctMetric`):
 *   mean over hypotheses of |unique n-grams in it| / |n-grams in it|.
 *
 * Neither form divides by the token count (the variant of the Distinct-N package); both are
 * biased against long outputs, so report the average length next to them. Scale 0..1.
 */

export interface DistinctOptions {
  /** How hypotheses are cut into words; default `'whitespace'` (DialoGPT). */
  tokenization?: WordTokenization;
}

function checkOrder(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new MetricsError(`distinct-n needs a positive integer n, got ${n}`);
}

/**
 * Corpus-level distinct-n: unique n-grams / total n-grams, over all hypotheses pooled.
 * 0 when the corpus has no n-gram of order n (DialoGPT divides by zero there; ParlAI gives ~1e-7).
 */
export function distinctN(hypotheses: readonly string[], n: number, options: DistinctOptions = {}): number {
  checkHypothesisList(hypotheses, 'distinct-n');
  checkOrder(n);
  const tokenize = wordTokenizer(options.tokenization);
  const counts = new Map<string, number>();
  let total = 0;
  for (const h of hypotheses) total += addNgrams(counts, tokenize(h), n);
  return total === 0 ? 0 : counts.size / total;
}

/**
 * Per-sentence distinct-n averaged over hypotheses (ParlAI's intra-distinct). A hypothesis with
 * no n-gram of order n counts as 0 (ParlAI: 1e-12/1e-5); an empty corpus gives 0.
 */
export function intraDistinctN(hypotheses: readonly string[], n: number, options: DistinctOptions = {}): number {
  checkHypothesisList(hypotheses, 'intra-distinct-n');
  checkOrder(n);
  if (hypotheses.length === 0) return 0;
  const tokenize = wordTokenizer(options.tokenization);
  let sum = 0;
  for (const h of hypotheses) {
    const counts = new Map<string, number>();
    const total = addNgrams(counts, tokenize(h), n);
    sum += total === 0 ? 0 : counts.size / total;
  }
  return sum / hypotheses.length;
}
