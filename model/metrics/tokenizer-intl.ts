import { pySplit } from './python-text.js';

/**
 * sacrebleu's `intl` BLEU tokenizer (sacrebleu/tokenizers/tokenizer_intl.py, after mteval-v14's
 * international tokenization): Unicode punctuation is split off unless it sits between digits, and
 * every Unicode symbol is split off. Unlike `13a` the line is not padded, so (as in mteval-v14) a
 * number followed by a final period keeps the period. No HTML entities are unescaped.
 * Character classes come from JavaScript's Unicode tables, which may be a newer Unicode version than
 * the Python `regex` module's: the two agree on everything but characters assigned in between.
 */

const PUNCT_AFTER_NON_NUMBER = /(\P{N})(\p{P})/gu;
const PUNCT_BEFORE_NON_NUMBER = /(\p{P})(\P{N})/gu;
const SYMBOL = /(\p{S})/gu;

/** sacrebleu's `intl` tokenization of one segment; returns the tokens joined by single spaces. */
export function tokenizeIntl(line: string): string {
  let s = line.replace(PUNCT_AFTER_NON_NUMBER, '$1 $2 ');
  s = s.replace(PUNCT_BEFORE_NON_NUMBER, ' $1 $2');
  s = s.replace(SYMBOL, ' $1 ');
  return pySplit(s).join(' ');
}
