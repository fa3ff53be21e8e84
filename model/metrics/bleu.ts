/**
 * sacrebleu-compatible BLEU (Papineni et al. 2002, as sacrebleu 2.x `metrics/bleu.py` computes
 * it): same tokenizers, clipping, reference-length choice, brevity penalty, smoothing, effective
 * order and early exit, so that the same input gives sacrebleu's score to floating-point precision.
 *
 * References are given per hypothesis: `references[i]` is the reference (or the list of references)
 * of `hypotheses[i]`. sacrebleu's own layout (one list per reference *stream*) converts with
 * `referencesFromStreams`. Within a segment, `null`, `undefined` and `''` references are dropped (a
 * variable number of references per segment is allowed, and shows as `nrefs:var`); a segment left
 * with none is an error.
 *
 * The tokenizers live in bleu-tokenizers.ts, only to keep this file short enough to read.
 */
import { MetricsError } from '../errors.js';
import { bleuTokenizer, type BleuTokenizerName } from './bleu-tokenizers.js';
import { ngramKey } from './diversity.js';
import { formatFixed, pyRstrip, pySplit } from './python-text.js';

/** The references of each hypothesis: one string, or a list (entries may be null/'' to skip). */
export type BleuReferences = ReadonlyArray<string | ReadonlyArray<string | null | undefined>>;

export interface BleuOptions {
  /** Lowercase hypotheses and references first (`case:lc`); default false. */
  lowercase?: boolean;
  /** Tokenizer; default `'13a'`. */
  tokenize?: BleuTokenizerName;
  /** Smoothing; default `'exp'` (sacrebleu's default, the mteval-v13a method). */
  smoothMethod?: SmoothMethod;
  /** Value for `floor` (default 0.1) and `add-k` (default 1); ignored by `exp` and `none`. */
  smoothValue?: number | null;
  /** Highest n-gram order; default 4. */
  maxNgramOrder?: number;
  /**
   * Average the log precisions only over orders the hypothesis has n-grams for (sacrebleu's
   * `effective_order`); default false for corpus BLEU, true for sentence BLEU.
   */
  effectiveOrder?: boolean;
  /** The `version:` field of the signature; default `BLEU_SIGNATURE_VERSION`. */
  signatureVersion?: string;
}

/** BLEU's sufficient statistics, summed over segments. */
export interface BleuStatistics {
  /** Clipped n-gram matches per order 1..N. */
  correct: readonly number[];
  /** Hypothesis n-grams per order 1..N. */
  total: readonly number[];
  /** Hypothesis length in tokens. */
  sysLen: number;
  /** Sum over segments of the reference length closest to the hypothesis length. */
  refLen: number;
}

// ---- signature

/** sacrebleu's BLEU smoothing methods (Chen & Cherry 2014): see `bleuFromStatistics`. */
export type SmoothMethod = 'exp' | 'none' | 'floor' | 'add-k';

/** Default smoothing values, as in sacrebleu's `BLEU.SMOOTH_DEFAULTS`; `null` takes no value. */
export const SMOOTH_DEFAULTS: Readonly<Record<SmoothMethod, number | null>> = {
  exp: null,
  none: null,
  floor: 0.1,
  'add-k': 1,
};

/**
 * The `version:` field written into signatures. It names the sacrebleu major version whose BLEU
 * semantics this port reproduces (all 2.x releases agree on them), not a sacrebleu installation.
 */
export const BLEU_SIGNATURE_VERSION = '2.x';

export interface BleuSignatureFields {
  /** References per segment; `'var'` when segments have different numbers of references. */
  nrefs: number | 'var';
  lowercase: boolean;
  effectiveOrder: boolean;
  tokenize: BleuTokenizerName;
  smoothMethod: SmoothMethod;
  /** `null` means the method's default (`SMOOTH_DEFAULTS`). */
  smoothValue: number | null;
  version: string;
}

/**
 * sacrebleu's reproducibility signature for BLEU, e.g.
 * `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x`; the short form abbreviates the keys
 * (`#:1|c:mixed|e:no|tok:13a|s:exp|v:2.x`). Field order and spelling follow sacrebleu 2.x
 * (`metrics/base.py` Signature + `metrics/bleu.py` BLEUSignature).
 */
export class BleuSignature {
  readonly nrefs: number | 'var';
  readonly case: 'mixed' | 'lc';
  readonly eff: 'yes' | 'no';
  readonly tok: BleuTokenizerName;
  readonly smooth: string;
  readonly version: string;

  constructor(fields: BleuSignatureFields) {
    this.nrefs = fields.nrefs;
    this.case = fields.lowercase ? 'lc' : 'mixed';
    this.eff = fields.effectiveOrder ? 'yes' : 'no';
    this.tok = fields.tokenize;
    const def = SMOOTH_DEFAULTS[fields.smoothMethod];
    // Methods that take a value show it with two decimals, e.g. `floor[0.10]`, `add-k[1.00]`.
    this.smooth =
      def === null
        ? fields.smoothMethod
        : `${fields.smoothMethod}[${formatFixed(fields.smoothValue ?? def, 2)}]`;
    this.version = fields.version;
  }

  /** The signature string; `short` uses sacrebleu's one-letter keys. */
  format(options: { short?: boolean } = {}): string {
    const short = options.short ?? false;
    const pairs: [string, string, string][] = [
      ['nrefs', '#', String(this.nrefs)],
      ['case', 'c', this.case],
      ['eff', 'e', this.eff],
      ['tok', 'tok', this.tok],
      ['smooth', 's', this.smooth],
      ['version', 'v', this.version],
    ];
    return pairs.map(([long, abbr, value]) => `${short ? abbr : long}:${value}`).join('|');
  }

  toString(): string {
    return this.format();
  }

  toJSON(): string {
    return this.format();
  }
}

// ---- score

/** Plain-data form of a BLEU result (what `JSON.stringify(score)` writes). */
export interface BleuScoreJSON {
  name: 'BLEU';
  /** 0..100, as sacrebleu 2.x reports it. */
  score: number;
  counts: number[];
  totals: number[];
  /** Per-order precisions in percent (after smoothing). */
  precisions: number[];
  bp: number;
  ratio: number;
  sys_len: number;
  ref_len: number;
  signature: string;
  verbose_score: string;
}

export interface BleuFormatOptions {
  /** Decimals of the score (sacrebleu's `--width`); default 2, the Python API's default. */
  width?: number;
  /** Prefix the metric name with the signature (`BLEU|nrefs:...`); default true. */
  signature?: boolean;
  /** Use the short signature keys; default false. */
  short?: boolean;
  /** Only the score, e.g. `48.53`. */
  scoreOnly?: boolean;
}

/**
 * A BLEU result with its sufficient statistics, field names as in sacrebleu's `BLEUScore`.
 * `counts`/`totals` are the clipped matches and hypothesis n-grams per order (for `add-k`
 * smoothing they include the added k for orders > 1, exactly as sacrebleu reports them).
 */
export class BleuScore {
  readonly name = 'BLEU' as const;

  constructor(
    readonly score: number,
    readonly counts: number[],
    readonly totals: number[],
    readonly precisions: number[],
    readonly bp: number,
    readonly sys_len: number,
    readonly ref_len: number,
    readonly signature: BleuSignature,
  ) {}

  /** hyp/ref length ratio; 0 when the reference length is 0 (as sacrebleu). */
  get ratio(): number {
    return this.ref_len ? this.sys_len / this.ref_len : 0;
  }

  /** The part after the score: `82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`. */
  verbose(): string {
    const prec = this.precisions.map((p) => formatFixed(p, 1)).join('/');
    return (
      `${prec} (BP = ${formatFixed(this.bp, 3)} ratio = ${formatFixed(this.ratio, 3)} ` +
      `hyp_len = ${this.sys_len} ref_len = ${this.ref_len})`
    );
  }

  /**
   * sacrebleu's text line, e.g.
   * `BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`.
   * With `signature: false` it is the Python API's `repr` (`BLEU = 48.53 ...`).
   */
  format(options: BleuFormatOptions = {}): string {
    const width = options.width ?? 2;
    const score = formatFixed(this.score, width);
    if (options.scoreOnly) return score;
    const head =
      options.signature === false ? this.name : `${this.name}|${this.signature.format({ short: options.short ?? false })}`;
    return `${head} = ${score} ${this.verbose()}`;
  }

  toString(): string {
    return this.format();
  }

  toJSON(): BleuScoreJSON {
    return {
      name: this.name,
      score: this.score,
      counts: [...this.counts],
      totals: [...this.totals],
      precisions: [...this.precisions],
      bp: this.bp,
      ratio: this.ratio,
      sys_len: this.sys_len,
      ref_len: this.ref_len,
      signature: this.signature.format(),
      verbose_score: this.verbose(),
    };
  }
}

// ---- computation

const SMOOTH_METHODS: readonly SmoothMethod[] = ['exp', 'none', 'floor', 'add-k'];

/** sacrebleu's `my_log`: log, with log(0) floored to -9999999999 so that the score becomes 0. */
function flooredLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

function checkSmoothMethod(method: string): asserts method is SmoothMethod {
  if (!(SMOOTH_METHODS as readonly string[]).includes(method)) {
    throw new MetricsError(
      `unknown BLEU smoothing method ${JSON.stringify(method)}: use one of ${SMOOTH_METHODS.join(', ')}`,
    );
  }
}

function checkMaxOrder(order: number): void {
  if (!Number.isInteger(order) || order < 1) {
    throw new MetricsError(`maxNgramOrder must be a positive integer, got ${order}`);
  }
}

interface BleuNumbers {
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
}

/**
 * BLEU from sufficient statistics (sacrebleu's `BLEU.compute_bleu`). Precisions are in percent:
 * p_n = 100 * correct_n / total_n. When no n-gram of any order matched, the score is 0 at once
 * (sacrebleu #141). Otherwise, for an order with no match:
 * - `exp`: p_n = 100 / (2^k * total_n), k = how many orders so far had no match (mteval-v13a);
 * - `floor`: p_n = 100 * smoothValue / total_n;
 * - `none`: p_n stays 0, whose log is floored, so the score is 0;
 * - `add-k`: smoothValue is added to correct_n and total_n for every order n > 1 beforehand.
 * The loop stops at the first order with total_n = 0 (its precision stays 0). Score =
 * BP * exp(mean of log p_n over the first N orders, or over the orders seen when `effectiveOrder`),
 * BP = exp(1 - refLen/sysLen) if sysLen < refLen (0 if sysLen = 0), else 1.
 */
function computeBleu(
  correctIn: readonly number[],
  totalIn: readonly number[],
  sysLen: number,
  refLen: number,
  smoothMethod: SmoothMethod,
  smoothValueIn: number | null | undefined,
  effectiveOrder: boolean,
  maxOrder: number,
): BleuNumbers {
  const smoothValue = smoothValueIn ?? SMOOTH_DEFAULTS[smoothMethod] ?? 0;
  const correct = [...correctIn];
  const total = [...totalIn];

  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;

  const precisions = new Array<number>(maxOrder).fill(0);
  if (!correct.some((c) => c !== 0)) {
    return { score: 0.0, counts: correct, totals: total, precisions, bp };
  }

  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === 'add-k' && n > 1) {
      correct[n - 1] = correct[n - 1]! + smoothValue;
      total[n - 1] = total[n - 1]! + smoothValue;
    }
    const c = correct[n - 1]!;
    const t = total[n - 1]!;
    if (t === 0) break;
    if (effectiveOrder) effOrder = n;
    if (c === 0) {
      if (smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100.0 / (smoothMteval * t);
      } else if (smoothMethod === 'floor') {
        precisions[n - 1] = (100.0 * smoothValue) / t;
      }
    } else {
      precisions[n - 1] = (100.0 * c) / t;
    }
  }

  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += flooredLog(precisions[i]!);
  const score = bp * Math.exp(logSum / effOrder);
  return { score, counts: correct, totals: total, precisions, bp };
}

/**
 * BLEU from already-summed statistics (e.g. to combine shards, or to check the formula). The
 * result's signature says `nrefs` as given in `options.nrefs` (default `'var'`, unknown here).
 */
export function bleuFromStatistics(
  stats: BleuStatistics,
  options: BleuOptions & { nrefs?: number | 'var' } = {},
): BleuScore {
  const smoothMethod = options.smoothMethod ?? 'exp';
  checkSmoothMethod(smoothMethod);
  const maxOrder = options.maxNgramOrder ?? stats.correct.length;
  checkMaxOrder(maxOrder);
  if (stats.correct.length !== maxOrder || stats.total.length !== maxOrder) {
    throw new MetricsError(
      `BLEU statistics need ${maxOrder} entries in correct and total (one per n-gram order), ` +
        `got ${stats.correct.length} and ${stats.total.length}`,
    );
  }
  const effectiveOrder = options.effectiveOrder ?? false;
  const r = computeBleu(
    stats.correct,
    stats.total,
    stats.sysLen,
    stats.refLen,
    smoothMethod,
    options.smoothValue,
    effectiveOrder,
    maxOrder,
  );
  const signature = new BleuSignature({
    nrefs: options.nrefs ?? 'var',
    lowercase: options.lowercase ?? false,
    effectiveOrder,
    tokenize: options.tokenize ?? '13a',
    smoothMethod,
    smoothValue: options.smoothValue ?? null,
    version: options.signatureVersion ?? BLEU_SIGNATURE_VERSION,
  });
  return new BleuScore(r.score, r.counts, r.totals, r.precisions, r.bp, stats.sysLen, stats.refLen, signature);
}

/** sacrebleu's `_get_closest_ref_len`: the reference length nearest the hypothesis length, ties to the shorter. */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = len;
    } else if (diff === closestDiff && len < closestLen) {
      closestLen = len;
    }
  }
  return closestLen;
}

interface ReferenceInfo {
  /** Per order, the max count of each n-gram over the references. */
  ngrams: Map<string, number>[];
  lens: number[];
}

function referenceInfo(refs: readonly string[], maxOrder: number): ReferenceInfo {
  const ngrams: Map<string, number>[] = [];
  for (let n = 0; n < maxOrder; n++) ngrams.push(new Map());
  const lens: number[] = [];
  for (const ref of refs) {
    const tokens = pySplit(ref);
    lens.push(tokens.length);
    for (let n = 1; n <= maxOrder; n++) {
      const own = new Map<string, number>();
      for (let i = 0; i + n <= tokens.length; i++) {
        const key = ngramKey(tokens, i, n);
        own.set(key, (own.get(key) ?? 0) + 1);
      }
      const merged = ngrams[n - 1]!;
      for (const [key, count] of own) {
        if (count > (merged.get(key) ?? 0)) merged.set(key, count);
      }
    }
  }
  return { ngrams, lens };
}

/** One segment's statistics: [hypLen, refLen, correct_1..N, total_1..N]. */
function segmentStatistics(hyp: string, info: ReferenceInfo, maxOrder: number): number[] {
  const tokens = pySplit(hyp);
  const stats = new Array<number>(2 + 2 * maxOrder).fill(0);
  stats[0] = tokens.length;
  stats[1] = closestRefLen(tokens.length, info.lens);
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = ngramKey(tokens, i, n);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const refCounts = info.ngrams[n - 1]!;
    let correct = 0;
    let total = 0;
    for (const [key, count] of counts) {
      total += count;
      const refCount = refCounts.get(key);
      if (refCount !== undefined) correct += Math.min(count, refCount);
    }
    stats[2 + n - 1] = correct;
    stats[2 + maxOrder + n - 1] = total;
  }
  return stats;
}

function segmentReferences(refs: unknown, index: number): string[] {
  const list: unknown[] = typeof refs === 'string' ? [refs] : Array.isArray(refs) ? refs : [refs];
  const kept: string[] = [];
  for (const r of list) {
    if (r === null || r === undefined || r === '') continue;
    if (typeof r !== 'string') {
      throw new MetricsError(
        `references[${index}] holds a ${typeof r}: each reference must be a string (or null/'' to skip it)`,
      );
    }
    kept.push(r);
  }
  if (kept.length === 0) {
    throw new MetricsError(
      `hypothesis ${index} has no non-empty reference: give at least one reference per hypothesis, ` +
        `or leave that example out of the corpus`,
    );
  }
  return kept;
}

function checkHypotheses(hypotheses: unknown): asserts hypotheses is readonly string[] {
  if (!Array.isArray(hypotheses)) {
    throw new MetricsError('hypotheses must be an array of strings (one per segment)');
  }
  if (hypotheses.length === 0) {
    throw new MetricsError('no hypotheses to score: pass at least one hypothesis with its references');
  }
  hypotheses.forEach((h, i) => {
    if (typeof h !== 'string') {
      throw new MetricsError(`hypotheses[${i}] is a ${h === null ? 'null' : typeof h}, not a string`);
    }
  });
}

/**
 * Corpus BLEU, as sacrebleu's `BLEU(...).corpus_score(hyps, refs)` /
 * `sacrebleu.corpus_bleu`: per-segment statistics (hypothesis n-grams clipped by the max count
 * over that segment's references; the closest reference length, ties to the shorter) summed over
 * the corpus, then `bleuFromStatistics`. Text is lowercased (if asked), right-stripped and
 * tokenized before n-grams are taken on whitespace.
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: BleuReferences,
  options: BleuOptions = {},
): BleuScore {
  checkHypotheses(hypotheses);
  if (!Array.isArray(references) || references.length !== hypotheses.length) {
    throw new MetricsError(
      `references must have one entry per hypothesis: got ${Array.isArray(references) ? references.length : typeof references} ` +
        `for ${hypotheses.length} hypotheses (sacrebleu's per-stream layout converts with referencesFromStreams)`,
    );
  }
  const smoothMethod = options.smoothMethod ?? 'exp';
  checkSmoothMethod(smoothMethod);
  const maxOrder = options.maxNgramOrder ?? 4;
  checkMaxOrder(maxOrder);
  const lowercase = options.lowercase ?? false;
  const tokenizeName = options.tokenize ?? '13a';
  const tokenize = bleuTokenizer(tokenizeName);
  const cache = new Map<string, string>();
  const preprocess = (s: string): string => {
    let out = cache.get(s);
    if (out === undefined) {
      out = tokenize(pyRstrip(lowercase ? s.toLowerCase() : s));
      cache.set(s, out);
    }
    return out;
  };

  const sums = new Array<number>(2 + 2 * maxOrder).fill(0);
  const nrefsSeen = new Set<number>();
  for (let i = 0; i < hypotheses.length; i++) {
    const refs = segmentReferences(references[i], i);
    nrefsSeen.add(refs.length);
    const info = referenceInfo(refs.map(preprocess), maxOrder);
    const stats = segmentStatistics(preprocess(hypotheses[i]!), info, maxOrder);
    for (let k = 0; k < sums.length; k++) sums[k] = sums[k]! + stats[k]!;
  }
  const nrefs: number | 'var' = nrefsSeen.size === 1 ? [...nrefsSeen][0]! : 'var';

  return bleuFromStatistics(
    {
      sysLen: sums[0]!,
      refLen: sums[1]!,
      correct: sums.slice(2, 2 + maxOrder),
      total: sums.slice(2 + maxOrder),
    },
    { ...options, smoothMethod, maxNgramOrder: maxOrder, lowercase, tokenize: tokenizeName, nrefs },
  );
}

/**
 * Sentence BLEU, as sacrebleu's `sentence_bleu` / `BLEU(effective_order=True).sentence_score`:
 * corpus BLEU of one segment with `exp` smoothing and effective order on by default. BLEU is a
 * corpus metric; averaging sentence BLEU over a corpus gives a different (and noisier) number.
 */
export function sentenceBleu(
  hypothesis: string,
  references: string | ReadonlyArray<string | null | undefined>,
  options: BleuOptions = {},
): BleuScore {
  return corpusBleu([hypothesis], [references], { ...options, effectiveOrder: options.effectiveOrder ?? true });
}

/**
 * Converts sacrebleu's reference layout (`streams[k][i]` = k-th reference of segment i) to the
 * per-hypothesis layout used here (`refs[i][k]`). All streams must have the same length.
 */
export function referencesFromStreams(
  streams: ReadonlyArray<ReadonlyArray<string | null | undefined>>,
): (string | null | undefined)[][] {
  if (!Array.isArray(streams) || streams.length === 0) {
    throw new MetricsError('reference streams must be a non-empty array of arrays of strings');
  }
  const length = streams[0]!.length;
  streams.forEach((s, k) => {
    if (!Array.isArray(s) || s.length !== length) {
      throw new MetricsError(
        `reference stream ${k} has ${Array.isArray(s) ? s.length : 'no'} segments where stream 0 has ${length}: ` +
          'every stream needs one entry per hypothesis (use null or "" where a segment lacks that reference)',
      );
    }
  });
  const out: (string | null | undefined)[][] = [];
  for (let i = 0; i < length; i++) out.push(streams.map((s) => s[i]));
  return out;
}
