export {
  trainProbe, CLASSIFIER_KINDS, accuracyOf, macroF1, majorityBaseline, type FeatureMatrix, type ClassifierKind, type ProbeOptions, type ProbeResult,
} from './classifier.js';
export { ProbeError } from '../errors.js';
