export { GPT, GPTConfigSchema, REFERENCE_CONFIG, KVCache, lmLoss, IGNORE_LABEL, parameterShapes, blockParameterNames, gpt2InitialValues, type GPTConfig, type ForwardOptions } from './gpt.js';
export { GPTShapeError } from '../errors.js';
export { gptToOnnx, onnxCacheNames, ONNX_OPSET, type GptOnnxOptions, type OnnxWeightDtype } from './onnx.js';
