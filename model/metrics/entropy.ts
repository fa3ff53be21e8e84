import { MetricsError } from '../errors.js';
import { addNgrams } from './ngrams.js';
import { checkHypothesisList, wordTokenizer, type WordTokenization } from './word-tokenize.js';

/**
 * Entropy-n (Zhang et al. 2018), as DialoGPT's `calc_entropy` (dstc/metrics.py, "based on Yizhe
 * Zhang's code") computes it: count every n-gram of order n over all hypotheses pooled (whitespace
 * tokens by default, no n-gram spans two hypotheses), C = the total count, then
 *   Ent-n = - sum over n-grams g of (c_g / C) * (ln c_g - ln C)
 * in nats (natural log; divide by ln 2 for bits). DialoGPT reports Ent-4. A corpus with no n-gram
 * of order n has entropy 0.
 */

export interface EntropyOptions {
  /** How hypotheses are cut into words; default `'whitespace'` (DialoGPT). */
  tokenization?: WordTokenization;
}

export function entropyN(hypotheses: readonly string[], n = 4, options: EntropyOptions = {}): number {
  checkHypothesisList(hypotheses, 'entropy-n');
  if (!Number.isInteger(n) || n < 1) throw new MetricsError(`entropy-n needs a positive integer n, got ${n}`);
  const tokenize = wordTokenizer(options.tokenization);
  const counts = new Map<string, number>();
  let total = 0;
  for (const h of hypotheses) total += addNgrams(counts, tokenize(h), n);
  if (total === 0) return 0;
  const logTotal = Math.log(total);
  let entropy = 0;
  // Same summation order as the reference (first occurrence), same expression.
  for (const v of counts.values()) entropy += (-v / total) * (Math.log(v) - logTotal);
  return entropy;
}
