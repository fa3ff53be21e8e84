/**
 * n-gram counting shared by BLEU, distinct-n and entropy-n. An n-gram is keyed by its tokens joined
 * with a single space; a token that itself contains a space or a backslash (only possible with a
 * caller-supplied tokenizer) is escaped first, so that the key stays one-to-one with the token tuple.
 */

function escapeToken(token: string): string {
  if (token.indexOf(' ') < 0 && token.indexOf('\\') < 0) return token;
  return token.replace(/\\/g, '\\\\').replace(/ /g, '\\s');
}

/** The key of the n-gram `tokens[start .. start+n)`. */
export function ngramKey(tokens: readonly string[], start: number, n: number): string {
  let key = escapeToken(tokens[start]!);
  for (let i = start + 1; i < start + n; i++) key += ' ' + escapeToken(tokens[i]!);
  return key;
}

/** Counts of every n-gram of order `n` in `tokens` (insertion order = first occurrence). */
export function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  addNgrams(counts, tokens, n);
  return counts;
}

/** Adds the n-grams of order `n` in `tokens` to `counts`; returns how many were added. */
export function addNgrams(counts: Map<string, number>, tokens: readonly string[], n: number): number {
  const last = tokens.length - n;
  for (let i = 0; i <= last; i++) {
    const key = ngramKey(tokens, i, n);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Math.max(0, last + 1);
}
