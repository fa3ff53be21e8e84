/** data/tokenizer: one Tokenizer interface over SentencePiece and Hugging Face tokenizer.json (DESIGN §5). */

export { DEFAULT_SEP_TOKEN, type DecodeOptions, type Tokenizer, type TokenizerKind } from './tokenizer.js';
export { SentencePieceTrainingError, TokenizerError, TokenizerInputError, TokenizerLoadError } from '../errors.js';
export { SentencePieceTokenizer, type SentencePieceOptions } from './sentencepiece.js';
export { HfTokenizer, type HfTokenizerOptions, type SpecialTokenNames } from './hf-tokenizer.js';
export { loadTokenizer, type LoadTokenizerOptions } from './load-tokenizer.js';
export {
  PRETRAINED_SENTENCEPIECE,
  type PretrainedSentencePiece,
  type PretrainedSentencePieceName,
  pretrainedSentencePieceBytes,
  pretrainedSentencePieceModel,
} from './pretrained.js';
export {
  parseTrainSentencePieceArgs,
  spmTrainArgs,
  type TrainSentencePieceOptions,
  TrainSentencePieceOptionsSchema,
  type TrainSentencePieceResult,
  trainSentencePiece,
  writeSentencePieceCorpus,
} from './train-sentencepiece.js';
export {
  PieceType,
  parseSentencePieceModel,
  type SentencePieceModelInfo,
  type SentencePiecePiece,
} from './sentencepiece-model-proto.js';
