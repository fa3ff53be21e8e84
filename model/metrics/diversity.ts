/**
 * Diversity and length of a generated corpus: distinct-n, entropy-n and average length, with the
 * word tokenization they share and the n-gram counting they share with BLEU. They belong together
 * in a report: distinct-n penalises long outputs and entropy-n rewards them.
 */
import { MetricsError } from '../errors.js';
import { normalizeAnswer } from './f1.js';
import { pySplit } from './python-text.js';

// ---- n-grams

/*
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

// ---- words

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

// ---- distinct-n

/**
 * Distinct-n (Li et al. 2016), in the two forms used by dialogue papers.
 *
 * `distinctN` is the CORPUS-LEVEL form, the one `evaluateCorpus` reports as distinct-1/2:
 *   distinct-n = |unique n-grams over all hypotheses| / |n-grams over all hypotheses|
 * i.e. the denominator counts n-grams (not tokens), all hypotheses pooled. This is DialoGPT's
 * `calc_diversity` (dstc/metrics.py, whitespace tokens, the default here) and ParlAI's
 * `InterDistinctMetric` (with `tokenization: 'parlai'`). An n-gram never spans two hypotheses.
 *
 * `intraDistinctN` is the PER-SENTENCE-AVERAGE form (ParlAI's `IntraDistinctMetric`):
 *   mean over hypotheses of |unique n-grams in it| / |n-grams in it|.
 *
 * Neither form divides by the token count (the variant of the Distinct-N package); both are
 * biased against long outputs, so report the average length next to them. Scale 0..1.
 */

export interface DistinctOptions {
  /** How hypotheses are cut into words; default `'whitespace'` (DialoGPT). */
  tokenization?: WordTokenization;
}

function checkOrder(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new MetricsError(`distinct-n needs a positive integer n, got ${n}`);
}

/**
 * Corpus-level distinct-n: unique n-grams / total n-grams, over all hypotheses pooled.
 * 0 when the corpus has no n-gram of order n (DialoGPT divides by zero there; ParlAI gives ~1e-7).
 */
export function distinctN(hypotheses: readonly string[], n: number, options: DistinctOptions = {}): number {
  checkHypothesisList(hypotheses, 'distinct-n');
  checkOrder(n);
  const tokenize = wordTokenizer(options.tokenization);
  const counts = new Map<string, number>();
  let total = 0;
  for (const h of hypotheses) total += addNgrams(counts, tokenize(h), n);
  return total === 0 ? 0 : counts.size / total;
}

/**
 * Per-sentence distinct-n averaged over hypotheses (ParlAI's intra-distinct). A hypothesis with
 * no n-gram of order n counts as 0 (ParlAI: 1e-12/1e-5); an empty corpus gives 0.
 */
export function intraDistinctN(hypotheses: readonly string[], n: number, options: DistinctOptions = {}): number {
  checkHypothesisList(hypotheses, 'intra-distinct-n');
  checkOrder(n);
  if (hypotheses.length === 0) return 0;
  const tokenize = wordTokenizer(options.tokenization);
  let sum = 0;
  for (const h of hypotheses) {
    const counts = new Map<string, number>();
    const total = addNgrams(counts, tokenize(h), n);
    sum += total === 0 ? 0 : counts.size / total;
  }
  return sum / hypotheses.length;
}

// ---- entropy-n

export interface EntropyOptions {
  /** How hypotheses are cut into words; default `'whitespace'` (DialoGPT). */
  tokenization?: WordTokenization;
}

/**
 * Entropy-n (Zhang et al. 2018), as DialoGPT's `calc_entropy` (dstc/metrics.py, "based on Yizhe
 * Zhang's code") computes it: count every n-gram of order n over all hypotheses pooled (whitespace
 * tokens by default, no n-gram spans two hypotheses), C = the total count, then
 *   Ent-n = - sum over n-grams g of (c_g / C) * (ln c_g - ln C)
 * in nats (natural log; divide by ln 2 for bits). DialoGPT reports Ent-4. A corpus with no n-gram
 * of order n has entropy 0.
 */
export function entropyN(hypotheses: readonly string[], n = 4, options: EntropyOptions = {}): number {
  checkHypothesisList(hypotheses, 'entropy-n');
  if (!Number.isInteger(n) || n < 1) throw new MetricsError(`entropy-n needs a positive integer n, got ${n}`);
  const tokenize = wordTokenizer(options.tokenization);
  const counts = new Map<string, number>();
  let total = 0;
  for (const h of hypotheses) total += addNgrams(counts, tokenize(h), n);
  if (total === 0) return 0;
  const logTotal = Math.log(total);
  let entropy = 0;
  // Same summation order as the reference (first occurrence), same expression.
  for (const v of counts.values()) entropy += (-v / total) * (Math.log(v) - logTotal);
  return entropy;
}

// ---- average length

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

// ---- repeated replies

/** One reply text and how often it was generated. */
export interface RepeatedReply {
  text: string;
  count: number;
  /** count / number of hypotheses. */
  share: number;
}

export interface ReplyRepetition {
  /** The `top` most frequent replies, most frequent first (ties: first generated first). */
  mostFrequent: RepeatedReply[];
  /** Share of all hypotheses that are one of `mostFrequent`. */
  topShare: number;
  /** Share of the single most frequent reply. */
  maxShare: number;
  /** Distinct reply texts / hypotheses. */
  uniqueShare: number;
  definition: string;
}

/**
 * How much of a generated corpus is a handful of stock replies ("I'm not sure.", "I'll take it."):
 * distinct-n pools n-grams and cannot tell one reply said 200 times from 200 replies sharing their
 * words. Replies are compared whole, after trimming surrounding whitespace and nothing else, so
 * "Ok." and "OK." count apart.
 */
export function replyRepetition(hypotheses: readonly string[], top = 10): ReplyRepetition {
  checkHypothesisList(hypotheses, 'reply repetition');
  if (!Number.isInteger(top) || top < 1) throw new MetricsError(`reply repetition needs a positive integer top, got ${top}`);
  if (hypotheses.length === 0) {
    throw new MetricsError('reply repetition of an empty corpus is undefined: pass at least one hypothesis');
  }
  const counts = new Map<string, number>();
  for (const h of hypotheses) {
    const text = h.trim();
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  // Array.prototype.sort is stable, so equal counts keep first-generated order.
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const n = hypotheses.length;
  const mostFrequent = ranked.map(([text, count]) => ({ text, count, share: count / n }));
  return {
    mostFrequent,
    topShare: mostFrequent.reduce((sum, r) => sum + r.count, 0) / n,
    maxShare: mostFrequent[0]!.share,
    uniqueShare: counts.size / n,
    definition: `replies compared whole after trimming whitespace; topShare = share of hypotheses equal to one of the ${top} most frequent`,
  };
}
