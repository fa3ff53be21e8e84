/**
 * ParlAI-style unigram F1 (`F1Metric` in parlai/core/metrics.py). Both texts go through
 * `normalizeAnswer` and are split on whitespace; the overlap is the size of the multiset
 * intersection of the two token bags. With no overlap (including an empty side)
 * precision = recall = F1 = 0; otherwise precision = overlap/|hypothesis|,
 * recall = overlap/|reference|, F1 = 2PR/(P+R). Scale 0..1.
 * With several references ParlAI keeps the best F1; precision and recall are likewise the best
 * over references, each taken on its own (they may come from different references).
 */
import { MetricsError } from '../errors.js';
import { pySplit } from './python-text.js';

const PUNCTUATION = /[\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]/g;
const ARTICLE = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

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
export function normalizeAnswer(s: string): string {
  let out = s.toLowerCase();
  out = out.replace(PUNCTUATION, ' ');
  out = out.replace(ARTICLE, ' ');
  return pySplit(out).join(' ');
}

export interface F1Result {
  precision: number;
  recall: number;
  f1: number;
}

function tokenBag(tokens: readonly string[]): Map<string, number> {
  const bag = new Map<string, number>();
  for (const t of tokens) bag.set(t, (bag.get(t) ?? 0) + 1);
  return bag;
}

/** Precision, recall and F1 of already-normalized token lists (ParlAI's `_prec_recall_f1_score`). */
export function tokenF1(hypothesisTokens: readonly string[], referenceTokens: readonly string[]): F1Result {
  const ref = tokenBag(referenceTokens);
  let overlap = 0;
  for (const [token, count] of tokenBag(hypothesisTokens)) {
    overlap += Math.min(count, ref.get(token) ?? 0);
  }
  if (overlap === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = (1.0 * overlap) / hypothesisTokens.length;
  const recall = (1.0 * overlap) / referenceTokens.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

function referenceList(references: string | readonly string[], where: string): readonly string[] {
  const list = typeof references === 'string' ? [references] : references;
  if (!Array.isArray(list) || list.length === 0) {
    throw new MetricsError(`${where} has no reference: F1 needs at least one reference string per hypothesis`);
  }
  list.forEach((r, k) => {
    if (typeof r !== 'string') throw new MetricsError(`${where}, reference ${k} is not a string`);
  });
  return list;
}

/** F1 of one hypothesis against one or more references (max over references). */
export function f1Score(hypothesis: string, references: string | readonly string[]): F1Result {
  const refs = referenceList(references, 'the hypothesis');
  const hyp = pySplit(normalizeAnswer(hypothesis));
  let best: F1Result = { precision: 0, recall: 0, f1: 0 };
  let first = true;
  for (const r of refs) {
    const ref = pySplit(normalizeAnswer(r));
    const s = tokenF1(hyp, ref);
    best = first
      ? s
      : { precision: Math.max(best.precision, s.precision), recall: Math.max(best.recall, s.recall), f1: Math.max(best.f1, s.f1) };
    first = false;
  }
  return best;
}

/** ParlAI's exact match (`ExactMatchMetric`): 1 if the normalized hypothesis equals a normalized reference. */
export function exactMatch(hypothesis: string, references: string | readonly string[]): number {
  const refs = referenceList(references, 'the hypothesis');
  const hyp = normalizeAnswer(hypothesis);
  return refs.some((r) => normalizeAnswer(r) === hyp) ? 1 : 0;
}

export interface CorpusF1Result extends F1Result {
  /** Mean exact match (ParlAI's `accuracy`). */
  exactMatch: number;
  /** Number of hypotheses averaged. */
  count: number;
}

/** Mean over hypotheses of `f1Score` (ParlAI averages per example), plus mean exact match. */
export function corpusF1(
  hypotheses: readonly string[],
  references: ReadonlyArray<string | readonly string[]>,
): CorpusF1Result {
  if (!Array.isArray(hypotheses) || hypotheses.length === 0) {
    throw new MetricsError('no hypotheses to score: pass at least one hypothesis with its references');
  }
  if (!Array.isArray(references) || references.length !== hypotheses.length) {
    throw new MetricsError(
      `references must have one entry per hypothesis: got ${Array.isArray(references) ? references.length : typeof references} for ${hypotheses.length} hypotheses`,
    );
  }
  let p = 0;
  let r = 0;
  let f = 0;
  let em = 0;
  hypotheses.forEach((h, i) => {
    if (typeof h !== 'string') throw new MetricsError(`hypotheses[${i}] is not a string`);
    const refs = referenceList(references[i]!, `hypothesis ${i}`);
    const s = f1Score(h, refs);
    p += s.precision;
    r += s.recall;
    f += s.f1;
    em += exactMatch(h, refs);
  });
  const n = hypotheses.length;
  return { precision: p / n, recall: r / n, f1: f / n, exactMatch: em / n, count: n };
}
