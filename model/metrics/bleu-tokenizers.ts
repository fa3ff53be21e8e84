/**
 * The BLEU tokenizers, ported from sacrebleu (sacrebleu/tokenizers/): each turns one segment into a
 * string whose whitespace separates the tokens BLEU counts n-grams of. Only BLEU uses them.
 */
import { MetricsError } from '../errors.js';
import { pySplit } from './python-text.js';

/**
 * The BLEU tokenizers this port offers, by their sacrebleu names (also the `tok:` field of the
 * signature): `13a` (the default, mteval-v13a), `intl` (mteval-v14 international), `char` (every
 * character a token) and `none` (the text as it is, split on whitespace only).
 * sacrebleu's `zh`, `ja-mecab`, `ko-mecab`, `spm`/`flores*` tokenizers are not ported.
 */
export type BleuTokenizerName = '13a' | 'intl' | 'char' | 'none';

export const BLEU_TOKENIZERS: readonly BleuTokenizerName[] = ['13a', 'intl', 'char', 'none'];

function tokenizeChar(line: string): string {
  // Python iterates code points; Array.from does too (a surrogate pair stays one character).
  return Array.from(line).join(' ');
}

function tokenizeNone(line: string): string {
  return line;
}

const TOKENIZERS: Record<BleuTokenizerName, (line: string) => string> = {
  '13a': tokenize13a,
  intl: tokenizeIntl,
  char: tokenizeChar,
  none: tokenizeNone,
};

/** The tokenizer function for `name`; the result is a string whose whitespace separates tokens. */
export function bleuTokenizer(name: BleuTokenizerName): (line: string) => string {
  const fn = (TOKENIZERS as Record<string, ((line: string) => string) | undefined>)[name];
  if (fn === undefined) {
    throw new MetricsError(
      `unknown BLEU tokenizer ${JSON.stringify(name)}: use one of ${BLEU_TOKENIZERS.join(', ')}`,
    );
  }
  return fn;
}

// ---- 13a

/**
 * sacrebleu's default BLEU tokenizer, `13a` (sacrebleu/tokenizers/tokenizer_13a.py on top of
 * tokenizer_re.py), which reproduces the tokenization of NIST's mteval-v13a.pl used by WMT.
 *
 * Language-independent part, in this order:
 *   1. delete every `<skipped>`;
 *   2. join lines broken by a hyphen (`-` + newline is deleted);
 *   3. every remaining newline becomes a space;
 *   4. unescape `&quot;` `&amp;` `&lt;` `&gt;` (one pass each, in that order, so `&amp;quot;`
 *      becomes `&quot;`, not `"`), and nothing else (`&apos;` stays as it is).
 * Then the line is padded with one space on each side and four regex rewrites run in order:
 *   a. every ASCII symbol or punctuation mark except `'` `,` `-` `.` is spaced out;
 *   b. `.` or `,` preceded by a non-digit is spaced out;
 *   c. `.` or `,` followed by a non-digit is spaced out;
 *   d. `-` preceded by a digit is spaced out.
 * Finally runs of (Python) whitespace collapse to one space and the ends are trimmed.
 * So `3.5` and `1,000` stay whole, a sentence-final `.` is split, and `don't` stays one token.
 */

// (a) the character class [{-~[-` -&(-+:-@/] of the reference, written as code-point ranges.
const SPACE_SYMBOLS = /([\u0020-\u0026\u0028-\u002B\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E])/gu;
// (b) period or comma after a non-digit.
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
// (c) period or comma before a non-digit.
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
// (d) dash after a digit.
const DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/** The regex stage shared by sacrebleu's `13a` and `zh` tokenizers (`TokenizerRegexp`). */
export function tokenizeRegexp(line: string): string {
  let s = line.replace(SPACE_SYMBOLS, ' $1 ');
  s = s.replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ');
  s = s.replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2');
  s = s.replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(s).join(' ');
}

/** sacrebleu's `13a` tokenization of one segment; returns the tokens joined by single spaces. */
export function tokenize13a(line: string): string {
  let s = line.split('<skipped>').join('');
  s = s.split('-\n').join('');
  s = s.split('\n').join(' ');
  if (s.includes('&')) {
    s = s.split('&quot;').join('"');
    s = s.split('&amp;').join('&');
    s = s.split('&lt;').join('<');
    s = s.split('&gt;').join('>');
  }
  return tokenizeRegexp(` ${s} `);
}

// ---- intl

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
