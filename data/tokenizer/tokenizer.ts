/**
 * The one tokenizer interface of the project (DESIGN §5). Two implementations: SentencePiece
 * `.model` files (sentencepiece-js, WebAssembly) and Hugging Face `tokenizer.json` files
 * (transformers.js). A checkpoint names its tokenizer file; `loadTokenizer` picks the kind.
 *
 * `encode` never adds special tokens: the dialogue code places BOS / separators / EOS itself.
 */

export type TokenizerKind = 'sentencepiece' | 'hf-tokenizer-json';

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, PAD, the separator, and the tokenizer's other special tokens).
   * Default false: they are rendered as their text, e.g. "<sep>". */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** The file the tokenizer was loaded from (a checkpoint copies it). */
  readonly file: string;
  /** Number of ids: every id is an integer in [0, vocabSize). */
  readonly vocabSize: number;
  /** Special ids; undefined where the tokenizer has no such token. */
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  /** The turn separator (DESIGN §5), e.g. a "<sep>" user-defined symbol. */
  readonly sepId: number | undefined;
  readonly unkId: number | undefined;
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
