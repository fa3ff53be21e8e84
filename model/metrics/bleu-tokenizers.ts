import { MetricsError } from '../errors.js';
import { tokenize13a } from './tokenizer-13a.js';
import { tokenizeIntl } from './tokenizer-intl.js';

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
