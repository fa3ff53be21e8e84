import { MetricsError } from '../errors.js';
import { checkHypothesisList, wordTokenizer, type WordTokenization } from './word-tokenize.js';

/**
 * Average hypothesis length in words, as DialoGPT's `calc_len`: the mean over hypotheses of the
 * number of whitespace tokens (or of the tokens of `tokenization`). Distinct-n penalises long
 * outputs and entropy-n rewards them, so this belongs next to both in every report.
 */
export function averageLength(hypotheses: readonly string[], options: { tokenization?: WordTokenization } = {}): number {
  checkHypothesisList(hypotheses, 'average length');
  if (hypotheses.length === 0) {
    throw new MetricsError('average length of an empty corpus is undefined: pass at least one hypothesis');
  }
  const tokenize = wordTokenizer(options.tokenization);
  let sum = 0;
  for (const h of hypotheses) sum += tokenize(h).length;
  return sum / hypotheses.length;
}
