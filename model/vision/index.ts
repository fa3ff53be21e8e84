/**
 * model/vision (docs/ARCHITECTURE.md §9): DIM encoders, local / global DIM, prior matching, DEMI on
 * images, the vision training task for the shared trainer, and probes on frozen features.
 */
export { VisionError } from '../errors.js';
export {
  Params, torchDefault, noisyIdentity, BatchNorm, Conv2d, Dense, LayerStack, blockShapes,
  type BatchNormOptions, type Conv2dSpec, type BlockSpec, type FeatureShape,
} from './layers.js';
export {
  ENCODER_ARCHITECTURES, ENCODER_NAMES, Encoder, architectureOf, encoderShapes, scaleBlocks, FEATURE_NAMES,
  type EncoderArchitecture, type EncoderName, type EncoderConfig, type EncoderFeatures, type FeatureName,
} from './encoder.js';
export {
  MIEmbedder, ESTIMATORS, pairEstimate, localEstimate, LocalDIM, GlobalDIM, PriorMatching, DemiCritic,
  type Estimator, type PriorMatchingOutput,
} from './objectives.js';
export { VisionModel, type VisionModelConfig, type VisionObjectiveConfig, type VisionLoss } from './vision-model.js';
export {
  METHODS, DATASETS, VisionTrainConfigSchema, loadVisionTrainConfig, parseVisionTrainConfig,
  resolveObjective, resolveAugment, type VisionMethod, type DatasetName, type DatasetSpec, type AugmentConfig, type VisionTrainConfig,
} from './config.js';
export {
  loadVisionDataset, seededSubset, evalInputs, trainInputs, viewOptions, batchToTensor, labelsToTensor,
  type LoadOptions, type InputBatch, type TrainViewOptions,
} from './inputs.js';
export { extractFeatures, calibrateBatchNorm, runProbe, type ProbeRunOptions, type ProbeReport } from './probe.js';
export {
  trainProbe, CLASSIFIER_KINDS, type FeatureMatrix, type ClassifierKind, type ProbeOptions, type ProbeResult,
} from '../probe/index.js';
export { VisionTask, type VisionTaskOptions } from './task.js';
export { loadVisionModel, randomInitModel, VISION_CHECKPOINT_FORMAT, type VisionCheckpointConfig, type LoadedVisionModel } from './checkpoint.js';
export { trainVision, visionModelConfig } from './train-vision.js';
