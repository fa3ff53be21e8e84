/**
 * model/vision (DESIGN §9): DIM encoders, local / global DIM, prior matching, DEMI on images, the
 * vision training task for the shared trainer, and probes on frozen features.
 */
export { VisionError } from '../errors.js';
export { Params, torchDefault, noisyIdentity } from './params.js';
export { BatchNorm, type BatchNormOptions } from './batch-norm.js';
export { Conv2d, type Conv2dSpec } from './conv2d.js';
export { Dense } from './dense.js';
export { LayerStack, blockShapes, type BlockSpec, type FeatureShape } from './layer-stack.js';
export { ENCODER_ARCHITECTURES, ENCODER_NAMES, type EncoderArchitecture, type EncoderName } from './encoder-configs.js';
export { Encoder, architectureOf, encoderShapes, scaleBlocks, FEATURE_NAMES, type EncoderConfig, type EncoderFeatures, type FeatureName } from './encoder.js';
export { MIEmbedder } from './mi-embedder.js';
export { ESTIMATORS, pairEstimate, localEstimate, type Estimator } from './estimator.js';
export { LocalDIM } from './local-dim.js';
export { GlobalDIM } from './global-dim.js';
export { PriorMatching, type PriorMatchingOutput } from './prior-matching.js';
export { DemiCritic } from './demi-critic.js';
export { VisionModel, type VisionModelConfig, type VisionObjectiveConfig, type VisionLoss } from './vision-model.js';
export {
  METHODS, DATASETS, VisionTrainConfigSchema, loadVisionTrainConfig, parseVisionTrainConfig,
  resolveObjective, resolveAugment, type VisionMethod, type DatasetName, type DatasetSpec, type AugmentConfig, type VisionTrainConfig,
} from './config.js';
export { loadVisionDataset, seededSubset, type LoadOptions } from './datasets.js';
export { evalInputs, trainInputs, viewOptions, type InputBatch, type TrainViewOptions } from './views.js';
export { extractFeatures, calibrateBatchNorm, type FeatureMatrix } from './features.js';
export { trainProbe, CLASSIFIER_KINDS, type ClassifierKind, type ProbeOptions, type ProbeResult } from './probe.js';
export { VisionTask, type VisionTaskOptions } from './task.js';
export { loadVisionModel, randomInitModel, VISION_CHECKPOINT_FORMAT, type VisionCheckpointConfig, type LoadedVisionModel } from './checkpoint.js';
export { trainVision, visionModelConfig } from './train-vision.js';
export { runProbe, type ProbeRunOptions, type ProbeReport } from './run-probe.js';
export { batchToTensor, labelsToTensor } from './image-tensor.js';
