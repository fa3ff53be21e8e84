export { train, TrainingDivergedError, type TrainerConfig, type TrainingTask, type StepOutput, type TrainingResult, type TrainOptions } from './trainer.js';
export { learningRateAt, type ScheduleConfig } from './schedule.js';
export { writeCheckpoint, readCheckpoint, isCheckpoint, CheckpointError, CONFIG_FILE, WEIGHTS_FILE, type Checkpoint, type CheckpointToWrite, type NamedArrays } from './checkpoint.js';
export { writeDirectoryAtomically } from './atomic-dir.js';
export { JsonlLog, type LogRecord } from './jsonl-log.js';
export { writeTrainingPlot, renderSvg, trainingCurveSpec } from './plot.js';
export { Progress } from './progress.js';
export { applyOverrides, ConfigError } from './config-overrides.js';
