/** core: the tensor-free floor under data/ and model/ (docs/ARCHITECTURE.md §2). Nothing here loads TF.js. */
export { log } from './log.js';
export { SeededRandom, type RandomState } from './random.js';
export { DemiError, ConfigError, OutputDirectoryError, SafetensorsError, SafetensorsCorruptError, SafetensorsDtypeError, SafetensorsInputError } from './errors.js';
export {
  readSafetensors, readSafetensorsFile, readSafetensorsHeader, parseSafetensors, writeSafetensors, serializeSafetensors,
  type SafeTensor, type TensorToWrite,
} from './safetensors.js';
export { float32ToFloat16Bits, float16BitsToFloat32, float32ArrayToFloat16, FLOAT16_MAX, float16Overflow, clampToFloat16Range, float16ToFloat32Array, bfloat16ToFloat32Array } from './float16.js';
export {
  writeDirectoryAtomically, writeFileAtomically, writeWholeFile, readWholeFile, streamFileAtomically, recoverDirectory, removeStaleTemporaries, moveAside, faultPoint, siblingPath,
  type DirectoryFiles, type Recovery,
} from './atomic-dir.js';
export { JsonlLog, type LogRecord } from './jsonl-log.js';
export { writeTrainingPlot, renderSvg, trainingCurveSpec } from './plot.js';
export { Progress, ProgressLine } from './progress.js';
export { applyOverrides, loadConfig, parseConfig, describeIssues } from './config.js';
