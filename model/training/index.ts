export { train, type TrainerConfig, type TrainingTask, type StepOutput, type TrainingResult, type TrainOptions } from './trainer.js';
export { TrainingDivergedError } from '../errors.js';
export { learningRateAt, trainingConfigSchema, type ScheduleConfig } from './schedule.js';
export {
  writeCheckpoint, readCheckpoint, isCheckpoint, checkArrays, CONFIG_FILE, WEIGHTS_FILE, TRAIN_STATE_FILE, TRAIN_TENSORS_FILE,
  type Checkpoint, type CheckpointToWrite, type NamedArrays,
} from './checkpoint.js';
export { lockRunDirectory, prepareRunDirectory, recoverCheckpoints, withRunDirectory, type RunDirectoryOptions } from './run-directory.js';
export { CheckpointError } from '../errors.js';
