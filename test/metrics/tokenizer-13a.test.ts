/**
 * The 13a tokenizer and the Python string behaviours the ports depend on.
 * External cases:
 * - shenxiangzhuang/bleuscore crates/bleuscore/src/tokenizer.rs (`test_tokenize_regex`,
 *   `test_tokenize_13a_regex`), a Rust port of sacrebleu's tokenizer_13a/tokenizer_re;
 * - sbintuitions/flexeval tests/core/metric/tokenizer/test_sacrebleu_tokenizer.py
 *   (`test_sacrebleu_13a_tokenizer`, which runs sacrebleu's own Tokenizer13a).
 * The rule-by-rule cases follow the comments of sacrebleu's tokenizer_re.py / tokenizer_13a.py
 * (each was also checked against Python's `re` running sacrebleu's four patterns).
 */
import { formatFixed, pyRstrip, pySplit, pyStrip, tokenize13a, tokenizeRegexp } from '../../model/metrics/index.js';

const toks = (s: string) => tokenize13a(s).split(' ');

describe('13a: external test cases', () => {
  it('bleuscore test_tokenize_regex', () => {
    expect(tokenizeRegexp('Hello, World!').split(' ')).toEqual(['Hello', ',', 'World', '!']);
    expect(tokenizeRegexp('/usr/sbin/sendmail - 0 errors, 12 warnings').split(' ')).toEqual([
      '/', 'usr', '/', 'sbin', '/', 'sendmail', '-', '0', 'errors', ',', '12', 'warnings',
    ]);
  });

  it('bleuscore test_tokenize_13a_regex', () => {
    expect(toks('Hello, &quot;World!<skipped>')).toEqual(['Hello', ',', '"', 'World', '!']);
    expect(toks('/usr/sbin/sendmail - 0 errors, 12 warnings')).toEqual([
      '/', 'usr', '/', 'sbin', '/', 'sendmail', '-', '0', 'errors', ',', '12', 'warnings',
    ]);
  });

  it("flexeval test_sacrebleu_13a_tokenizer: \"I'm a student.\"", () => {
    expect(toks("I'm a student.")).toEqual(["I'm", 'a', 'student', '.']);
  });
});

describe('13a: the rules of tokenizer_re.py and tokenizer_13a.py', () => {
  it.each([
    // period and comma between digits stay; elsewhere they split; `$` is a symbol
    ['It costs $3.50, or 1,000 yen.', 'It costs $ 3.50 , or 1,000 yen .'],
    // symbols and brackets split; a dash after a digit splits; quotes split
    ['U.S. troops (in 2019-2020) said: "no!"', 'U . S . troops ( in 2019 - 2020 ) said : " no ! "'],
    // a dash between letters stays, an apostrophe stays
    ['well-known e-mail', 'well-known e-mail'],
    ["don't", "don't"],
    ['10-year-old', '10 - year-old'],
    // a final period splits thanks to the padding spaces, also after a digit
    ['end.', 'end .'],
    ['5.', '5 .'],
    ['.5', '. 5'],
    ['x.y,z', 'x . y , z'],
  ])('%j -> %j', (input, expected) => {
    expect(tokenize13a(input)).toBe(expected);
  });

  it('unescapes &quot; &amp; &lt; &gt; one pass each, in that order, and nothing else', () => {
    // &amp;quot; -> &quot; (the quot pass already ran); &amp;lt; -> &lt; -> < (the lt pass runs after)
    expect(tokenize13a('&amp;quot; &amp;lt; &lt;b&gt;')).toBe('& quot ; < < b >');
    expect(tokenize13a('&apos;')).toBe('& apos ;');
  });

  it('deletes <skipped>, joins hyphen-broken lines, and turns newlines into spaces', () => {
    expect(tokenize13a('foo-\nbar\nbaz<skipped>')).toBe('foobar baz');
  });

  it('collapses whitespace with Python semantics', () => {
    expect(tokenize13a('  a \t b\u3000c\u001cd  ')).toBe('a b c d');
    // U+FEFF and U+200B are not whitespace for Python, so they stay inside the token
    expect(tokenize13a('a\ufeffb c\u200bd')).toBe('a\ufeffb c\u200bd');
  });

  it('is idempotent on its own output for plain text', () => {
    const once = tokenize13a('Well, "this" costs $3.50 (roughly).');
    expect(tokenize13a(once)).toBe(once);
  });
});

describe('Python string semantics', () => {
  it('pySplit/pyStrip use str.isspace(), not JavaScript \\s', () => {
    expect(pySplit('  a\u0085b\u001fc\u00a0d  ')).toEqual(['a', 'b', 'c', 'd']);
    expect(pySplit('a\ufeffb')).toEqual(['a\ufeffb']);
    expect(pySplit('')).toEqual([]);
    expect(pySplit(' \t\n ')).toEqual([]);
    expect(pyRstrip(' x \u2028')).toBe(' x');
    expect(pyStrip('\u3000x\u205f')).toBe('x');
  });

  it("formatFixed rounds exact ties half-to-even like Python's f'{x:.nf}'", () => {
    expect(formatFixed(0.125, 2)).toBe('0.12'); // (0.125).toFixed(2) is '0.13'
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(formatFixed(1.005, 2)).toBe('1.00'); // not a tie: 1.005 is stored below the midpoint
    expect(formatFixed(-0.0, 2)).toBe('-0.00');
    expect(formatFixed(48.530827009929865, 2)).toBe('48.53');
    expect(formatFixed(Number.NaN, 2)).toBe('nan');
    expect(formatFixed(Number.POSITIVE_INFINITY, 1)).toBe('inf');
  });
});
