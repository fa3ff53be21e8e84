/**
 * A SentencePiece Unigram model as a Hugging Face `tokenizer.json` + `tokenizer_config.json`, so that
 * transformers.js (and Python's tokenizers) give the ids demi's SentencePiece tokenizer gives
 * (docs/ARCHITECTURE.md §5). The pieces keep their ids and scores; the rest mirrors sentencepiece:
 *
 * - normalizer: demi's lowercasing when the tokenizer lowercases (it happens before sentencepiece),
 *   the model's own rules (nmt_nfkc as `Precompiled` with its charsmap; transformers.js applies NFKC
 *   plus nmt's whitespace and control-character rules, which is what nmt_nfkc compiles to), then
 *   sentencepiece's remove_extra_whitespaces (strip both ends, collapse runs of spaces);
 * - pre-tokenizer: Metaspace, spaces become "▁" and every text section starts with one
 *   (add_dummy_prefix). "always", not "first": demi encodes each turn on its own and joins the turns
 *   with the separator id, so the text "turn1<sep>turn2<sep>" must give ▁turn2 after <sep>, as it does;
 * - the Unigram model with byte_fallback as the model has it;
 * - decoder: "▁" back to spaces, byte pieces back to bytes, the dummy prefix dropped;
 * - control and unknown pieces and the turn separator (<s>, </s>, <pad>, <unk>, <sep>) as special added
 *   tokens; other user-defined pieces stay in the Unigram vocabulary.
 *
 * Known difference: transformers.js 4.x's Unigram has no byte fallback, so a character that is not in
 * the vocabulary becomes <unk> there, where sentencepiece (and Python's tokenizers) give its UTF-8
 * byte pieces. `scripts/check-tokenizer-json.ts` counts how often that happens on a corpus.
 */
import { TokenizerExportError } from '../errors.js';
import { PieceType, type SentencePieceModelInfo } from './sentencepiece.js';

export interface HfTokenizerFiles {
  /** tokenizer.json */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json */
  config: Record<string, unknown>;
}

/** What the conversion needs of a loaded SentencePiece tokenizer (SentencePieceTokenizer fits). */
export interface SentencePieceSource {
  readonly file: string;
  readonly model: SentencePieceModelInfo;
  readonly lowercase: boolean;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly sepId: number | undefined;
  readonly unkId: number | undefined;
}

const UNIGRAM = 1;
const SPACE_MARK = '\u2581';
const MODEL_TYPES: Record<number, string> = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' };

function normalizerFor(source: SentencePieceSource): Record<string, unknown> | null {
  const { name, precompiledCharsmap, removeExtraWhitespaces } = source.model.normalizer;
  const steps: Record<string, unknown>[] = [];
  if (source.lowercase) steps.push({ type: 'Lowercase' });
  if (name === 'nmt_nfkc' && precompiledCharsmap) {
    steps.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(precompiledCharsmap).toString('base64') });
  } else if (name === 'nfkc') {
    steps.push({ type: 'NFKC' });
  } else if (name !== 'identity' && !(name === undefined && !precompiledCharsmap)) {
    throw new TokenizerExportError(source.file, `its normalizer '${name ?? 'custom rules'}' has no tokenizer.json equivalent that transformers.js applies (nmt_nfkc, nfkc and identity do)`);
  }
  if (removeExtraWhitespaces) {
    steps.push({ type: 'Strip', strip_left: true, strip_right: true });
    steps.push({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
  }
  return steps.length === 0 ? null : { type: 'Sequence', normalizers: steps };
}

/** The tokenizer.json and tokenizer_config.json of a SentencePiece Unigram tokenizer. */
export function sentencePieceToTokenizerJson(source: SentencePieceSource, options: { modelMaxLength?: number } = {}): HfTokenizerFiles {
  const { model } = source;
  if (model.trainer.modelType !== UNIGRAM) {
    throw new TokenizerExportError(source.file, `it is a ${MODEL_TYPES[model.trainer.modelType] ?? `type ${model.trainer.modelType}`} model; only unigram models convert to a tokenizer.json with the same ids`);
  }
  if (model.trainer.treatWhitespaceAsSuffix) {
    throw new TokenizerExportError(source.file, 'it treats whitespace as a suffix, which the Metaspace pre-tokenizer cannot express');
  }
  const addDummyPrefix = model.normalizer.addDummyPrefix;
  // Added tokens are cut out of the text before normalization, and each section after one starts a new
  // word: right for the turn separator, which demi places between separately encoded turns, but not
  // for other user-defined pieces (ALBERT's "-", "(", ...), which sentencepiece matches inside the
  // text; those stay pieces of the Unigram model, where their score of 0 makes them win as they do there.
  const isAdded = (type: number, id: number) => type === PieceType.CONTROL || type === PieceType.UNKNOWN || id === source.sepId;
  const addedTokens = model.pieces.flatMap((p, id) => (isAdded(p.type, id)
    ? [{ id, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }]
    : []));
  const decoders: Record<string, unknown>[] = [{ type: 'Replace', pattern: { String: SPACE_MARK }, content: ' ' }];
  if (model.trainer.byteFallback) decoders.push({ type: 'ByteFallback' });
  decoders.push({ type: 'Fuse' });
  if (addDummyPrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: normalizerFor(source),
    pre_tokenizer: { type: 'Metaspace', replacement: SPACE_MARK, prepend_scheme: addDummyPrefix ? 'always' : 'never', split: false },
    post_processor: null,
    decoder: { type: 'Sequence', decoders },
    model: {
      type: 'Unigram',
      unk_id: source.unkId ?? null,
      vocab: model.pieces.map((p) => [p.piece, p.score]),
      byte_fallback: model.trainer.byteFallback,
    },
  };
  const tokenName = (id: number | undefined) => (id === undefined ? undefined : model.pieces[id].piece);
  const named = Object.entries({
    bos_token: tokenName(source.bosId), eos_token: tokenName(source.eosId), unk_token: tokenName(source.unkId),
    pad_token: tokenName(source.padId), sep_token: tokenName(source.sepId),
  }).filter(([, v]) => v !== undefined);
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    ...Object.fromEntries(named),
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    // Batched prompts of a decoder are padded on the left, so each row's last position is its newest token.
    padding_side: 'left',
    ...(options.modelMaxLength === undefined ? {} : { model_max_length: options.modelMaxLength }),
  };
  return { tokenizer, config };
}
