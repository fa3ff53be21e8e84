/** data/tokenizer: one Tokenizer interface over SentencePiece and Hugging Face tokenizer.json (docs/ARCHITECTURE.md §5). */

export { DEFAULT_SEP_TOKEN, type DecodeOptions, type Tokenizer, type TokenizerKind } from './tokenizer.js';
export { SentencePieceTrainingError, TokenizerError, TokenizerExportError, TokenizerInputError, TokenizerLoadError } from '../errors.js';
export {
  PieceType,
  SentencePieceTokenizer,
  type SentencePieceModelInfo,
  type SentencePieceOptions,
  type SentencePiecePiece,
  parseSentencePieceModel,
} from './sentencepiece.js';
export { sentencePieceToTokenizerJson, type HfTokenizerFiles, type SentencePieceSource } from './sentencepiece-to-json.js';
export { HfTokenizer, type HfTokenizerOptions, type SpecialTokenNames } from './hf-tokenizer.js';
export {
  type LoadTokenizerOptions,
  PRETRAINED_SENTENCEPIECE,
  type PretrainedSentencePiece,
  type PretrainedSentencePieceName,
  loadTokenizer,
  pretrainedSentencePieceBytes,
  pretrainedSentencePieceModel,
} from './load-tokenizer.js';
export {
  parseTrainSentencePieceArgs,
  spmTrainArgs,
  type TrainSentencePieceOptions,
  TrainSentencePieceOptionsSchema,
  type TrainSentencePieceResult,
  trainSentencePiece,
  writeSentencePieceCorpus,
} from './train-sentencepiece.js';
