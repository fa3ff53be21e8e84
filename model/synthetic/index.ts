/** The synthetic experiment (docs/ARCHITECTURE.md §4): correlated Gaussians, SMILE critics, DEMI vs InfoNCE & co. */
export {
  miToRho, rhoToMI, coordinatesMI, sampleCorrelatedGaussian, subviewSizes, trueTerms, sliceColumns, sampleConditionalX,
  optimalScores, optimalCandidateScores, type GaussianBatch,
} from './gaussian.js';
export { SeparableCritic, Mlp, createOptimizer, type CriticConfig, type CriticOptimizer, type OptimizerKind } from './critic.js';
export { EstimatorTrainer, TrainingBatch, parseEstimator, DEFAULT_ESTIMATORS, type EstimatorSpec, type StepResult, type TrainerConfig } from './estimators.js';
export {
  SyntheticOptionsSchema, type SyntheticOptions, type ResolvedSyntheticOptions, type ReportFiles, type SyntheticResult, type SyntheticRow,
} from './options.js';
export { runSyntheticExperiment } from './experiment.js';
export { toCsv, toMarkdown, writeReports, renderPlot, summarize, type SyntheticSummary } from './report.js';
export { SyntheticError } from '../errors.js';
