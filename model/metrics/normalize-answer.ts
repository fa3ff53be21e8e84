import { pySplit } from './python-text.js';

/**
 * ParlAI's `normalize_answer` (parlai/core/metrics.py), the text normalization behind its F1,
 * exact match and distinct metrics: lowercase; replace every ASCII punctuation character
 * (Python's `string.punctuation`, `_` and `'` included) with a space; replace the articles
 * `a`, `an`, `the` standing as whole words with a space; collapse whitespace.
 * Punctuation becomes a space (not nothing), so `don't` gives `don t` and `a_lot` gives `lot`.
 *
 * Python's `\b` is Unicode-aware (a word character is a letter, a number or `_`), so the article
 * boundaries are written with Unicode lookarounds here; JavaScript's own `\b` is ASCII-only and
 * would strip the `a` of `éa`.
 */

const PUNCTUATION = /[\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]/g;
const ARTICLE = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

export function normalizeAnswer(s: string): string {
  let out = s.toLowerCase();
  out = out.replace(PUNCTUATION, ' ');
  out = out.replace(ARTICLE, ' ');
  return pySplit(out).join(' ');
}
