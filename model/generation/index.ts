export { generate, promptRoom, preparePrompt } from './generate.js';
export { GenerationConfigSchema, parseGenerationConfig, type GenerationConfig, type GenerationConfigInput } from './config.js';
export type { GenerationResult, GenerateOptions, FinishReason } from './result.js';
export { GenerationConfigError, GenerationInputError } from '../errors.js';
export {
  applyProcessors, FILTER_VALUE, type LogitsProcessor, type SequenceView, buildLogitsProcessors,
  TemperatureWarper, TopKWarper, kthLargest, TopPWarper, RepetitionPenaltyProcessor,
  NoRepeatNgramProcessor, getNgrams, bannedNgramTokens, MinNewTokensProcessor,
} from './logits-process.js';
export { argmax, sampleToken, logSoftmaxInPlace, BeamHypotheses, type Hypothesis } from './search.js';
export { TextStream, type TokenDecoder, findStopString, partialStopSuffix } from './text-stream.js';
export { Decoder, paddedHidden, type StepDecoder, type DecoderFactory } from './decoder.js';
export { OnnxDecoder, onnxRuntimeDecoder, type OnnxRuntime, type OnnxRuntimeOptions } from './onnx-decoder.js';
