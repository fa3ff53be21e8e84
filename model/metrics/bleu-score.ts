import type { BleuSignature } from './bleu-signature.js';
import { formatFixed } from './python-text.js';

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
