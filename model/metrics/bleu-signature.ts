import type { BleuTokenizerName } from './bleu-tokenizers.js';
import { formatFixed } from './python-text.js';

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
