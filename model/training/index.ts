export { train, type TrainerConfig, type TrainingTask, type StepOutput, type TrainingResult, type TrainOptions } from './trainer.js';
export { TrainingDivergedError } from '../errors.js';
export { learningRateAt, trainingConfigSchema, type ScheduleConfig } from './schedule.js';
export { writeCheckpoint, readCheckpoint, isCheckpoint, CONFIG_FILE, WEIGHTS_FILE, type Checkpoint, type CheckpointToWrite, type NamedArrays } from './checkpoint.js';
export { CheckpointError } from '../errors.js';
