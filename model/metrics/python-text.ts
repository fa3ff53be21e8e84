/**
 * The few Python string behaviours that the reference metric implementations (sacrebleu, ParlAI,
 * DialoGPT) rely on, reproduced exactly so that scores match theirs on any input:
 * - `str.split()` / `str.strip()` use Python's own whitespace set (`str.isspace`), which differs
 *   from JavaScript's `\s` (Python counts U+001C..U+001F and U+0085, JS counts U+FEFF);
 * - `f'{x:.{d}f}'` rounds the exact binary value half-to-even, where `Number#toFixed` rounds ties
 *   away from zero, and prints `-0.00` for negative zero.
 */

/** Every code point for which Python 3's `str.isspace()` is true. */
const PY_WHITESPACE_CLASS =
  '\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const PY_WS_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, 'u');
const PY_WS_TRAILING = new RegExp(`[${PY_WHITESPACE_CLASS}]+$`, 'u');
const PY_WS_LEADING = new RegExp(`^[${PY_WHITESPACE_CLASS}]+`, 'u');

/** Python's `s.split()` with no argument: split on runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  if (s.length === 0) return [];
  const parts = s.split(PY_WS_RUN);
  // A leading or trailing run leaves one empty string at that end; Python drops them.
  let start = 0;
  let end = parts.length;
  if (end > 0 && parts[0] === '') start = 1;
  if (end > start && parts[end - 1] === '') end -= 1;
  return start === 0 && end === parts.length ? parts : parts.slice(start, end);
}

/** Python's `s.rstrip()` with no argument. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAILING, '');
}

/** Python's `s.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_LEADING, '').replace(PY_WS_TRAILING, '');
}

/**
 * Python's `f'{x:.{digits}f}'`: fixed-point with `digits` decimals, ties (exact binary midpoints such
 * as 0.125 at 2 digits) rounded half-to-even, `inf`/`nan` spelled as Python does.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new RangeError(`formatFixed: digits must be an integer in [0, 20], got ${digits}`);
  }
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let body: string;
  if (abs >= 1e21) {
    body = BigInt(abs).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    body = abs.toFixed(digits);
    // A tie needs at most digits+1 fractional digits, so 25 more exact digits show whether the
    // value sits exactly on the midpoint (toFixed is exact, not a float re-rounding).
    const exact = abs.toFixed(Math.min(100, digits + 25));
    const dot = exact.indexOf('.');
    const frac = exact.slice(dot + 1);
    if (frac[digits] === '5' && /^0*$/.test(frac.slice(digits + 1))) {
      // toFixed rounded the tie up; Python keeps it down when the kept last digit is even.
      const kept = exact.slice(0, dot) + (digits > 0 ? '.' + frac.slice(0, digits) : '');
      const lastDigit = Number(kept[kept.length - 1]);
      if (lastDigit % 2 === 0) body = kept;
    }
  }
  return negative ? `-${body}` : body;
}
