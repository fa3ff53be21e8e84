import { MetricsError } from '../errors.js';
import { normalizeAnswer } from './normalize-answer.js';
import { pySplit } from './python-text.js';

/**
 * How distinct-n, entropy-n and average length cut a hypothesis into words:
 * - `'whitespace'` (default): Python's `str.split()` on the raw text, no normalization, as
 *   DialoGPT's `dstc/metrics.py` (`calc_diversity`, `calc_entropy`, `calc_len`) does;
 * - `'parlai'`: ParlAI's `normalize_answer` first (lowercase, punctuation and articles removed),
 *   as its `InterDistinctMetric` / `IntraDistinctMetric` do;
 * - a function returning the tokens (e.g. the model's tokenizer, decoded to strings).
 */
export type WordTokenization = 'whitespace' | 'parlai' | ((text: string) => readonly string[]);

export function wordTokenizer(tokenization: WordTokenization = 'whitespace'): (text: string) => readonly string[] {
  if (typeof tokenization === 'function') return tokenization;
  if (tokenization === 'whitespace') return pySplit;
  if (tokenization === 'parlai') return (text) => pySplit(normalizeAnswer(text));
  throw new MetricsError(
    `unknown word tokenization ${JSON.stringify(tokenization)}: use 'whitespace', 'parlai' or a function`,
  );
}

/** A short name for reports: `whitespace`, `parlai` or `custom`. */
export function wordTokenizationName(tokenization: WordTokenization = 'whitespace'): string {
  return typeof tokenization === 'function' ? 'custom' : tokenization;
}

export function checkHypothesisList(hypotheses: unknown, what: string): asserts hypotheses is readonly string[] {
  if (!Array.isArray(hypotheses)) throw new MetricsError(`${what}: hypotheses must be an array of strings`);
  hypotheses.forEach((h, i) => {
    if (typeof h !== 'string') {
      throw new MetricsError(`${what}: hypotheses[${i}] is a ${h === null ? 'null' : typeof h}, not a string`);
    }
  });
}
