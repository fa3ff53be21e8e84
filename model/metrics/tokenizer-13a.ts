import { pySplit } from './python-text.js';

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
