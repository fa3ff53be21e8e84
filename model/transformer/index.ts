export { GPT, GPTConfigSchema, REFERENCE_CONFIG, KVCache, lmLoss, IGNORE_LABEL, parameterShapes, blockParameterNames, type GPTConfig, type ForwardOptions } from './gpt.js';
export { GPTShapeError } from '../errors.js';
