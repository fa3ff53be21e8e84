export { GPT, GPTShapeError, parameterShapes, blockParameterNames, type ForwardOptions } from './gpt.js';
export { GPTConfigSchema, REFERENCE_CONFIG, type GPTConfig } from './config.js';
export { KVCache } from './kv-cache.js';
export { lmLoss, IGNORE_LABEL } from './lm-loss.js';
export {
  readSafetensors, readSafetensorsFile, readSafetensorsHeader, parseSafetensors, writeSafetensors, serializeSafetensors,
  type SafeTensor, type TensorToWrite,
} from './safetensors.js';
export { SafetensorsError, SafetensorsCorruptError, SafetensorsDtypeError, SafetensorsInputError } from './safetensors-errors.js';
