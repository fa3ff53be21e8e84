export { GPT, parameterShapes, blockParameterNames, type ForwardOptions } from './gpt.js';
export { GPTShapeError } from '../errors.js';
export { GPTConfigSchema, REFERENCE_CONFIG, type GPTConfig } from './config.js';
export { KVCache } from './kv-cache.js';
export { lmLoss, IGNORE_LABEL } from './lm-loss.js';
