/**
 * The one tokenizer interface of the project (docs/ARCHITECTURE.md §5). Two implementations:
 * SentencePiece `.model` files (sentencepiece-js, WebAssembly) and Hugging Face `tokenizer.json`
 * files (transformers.js). A checkpoint names its tokenizer file; `loadTokenizer` picks the kind.
 *
 * `encode` never adds special tokens: the dialogue code places BOS / separators / EOS itself.
 */

import { TokenizerInputError } from '../errors.js';

export type TokenizerKind = 'sentencepiece' | 'hf-tokenizer-json';

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, PAD, the separator, and the tokenizer's other special tokens).
   * Default false: they are rendered as their text, e.g. "<sep>". */
  skipSpecialTokens?: boolean;
}

/** Special ids; undefined where the tokenizer has no such token. */
export interface SpecialIds {
  bosId: number | undefined;
  eosId: number | undefined;
  padId: number | undefined;
  /** The turn separator (docs/ARCHITECTURE.md §5), e.g. a "<sep>" user-defined symbol. */
  sepId: number | undefined;
  unkId: number | undefined;
}

export interface Tokenizer extends Readonly<SpecialIds> {
  readonly kind: TokenizerKind;
  /** The file the tokenizer was loaded from (a checkpoint copies it). */
  readonly file: string;
  /** Number of ids: every id is an integer in [0, vocabSize). */
  readonly vocabSize: number;
  /** Text -> ids. No special tokens are added. */
  encode(text: string): number[];
  /** Ids -> text. Throws TokenizerInputError for an id outside [0, vocabSize). */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The id of a token string (exact vocabulary entry), or undefined. */
  tokenToId(token: string): number | undefined;
  /** The vocabulary entry of an id, or undefined. */
  idToToken(id: number): string | undefined;
}

/** The default turn separator symbol trained into our SentencePiece models. */
export const DEFAULT_SEP_TOKEN = '<sep>';

/**
 * What the implementations share, so that they agree on it: the special ids, and `decode`'s
 * contract (every id must have a vocabulary entry; `skipSpecialTokens` drops the `special` ids).
 * A subclass decodes the ids that are left.
 */
export abstract class BaseTokenizer implements Tokenizer {
  abstract readonly kind: TokenizerKind;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly sepId: number | undefined;
  readonly unkId: number | undefined;

  protected constructor(
    readonly file: string,
    readonly vocabSize: number,
    ids: SpecialIds,
    /** The ids `skipSpecialTokens` drops. */
    private readonly special: ReadonlySet<number>,
  ) {
    ({ bosId: this.bosId, eosId: this.eosId, padId: this.padId, sepId: this.sepId, unkId: this.unkId } = ids);
  }

  abstract encode(text: string): number[];
  abstract tokenToId(token: string): number | undefined;
  abstract idToToken(id: number): string | undefined;

  /** The text of ids that all have a vocabulary entry (at least one id). */
  protected abstract decodeKnown(ids: number[]): string;

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.idToToken(id) === undefined) {
        throw new TokenizerInputError(this.file, `id ${id} at position ${i} is outside the vocabulary [0, ${this.vocabSize})`);
      }
    }
    const kept = options.skipSpecialTokens ? ids.filter((id) => !this.special.has(id)) : [...ids];
    return kept.length === 0 ? '' : this.decodeKnown(kept);
  }
}
