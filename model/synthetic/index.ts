/** The synthetic experiment (issue 3): correlated Gaussians, SMILE critics, DEMI vs InfoNCE & co. */
export { miToRho, rhoToMI, coordinatesMI, sampleCorrelatedGaussian, type GaussianBatch } from './gaussian.js';
export { subviewSizes, trueTerms, sliceColumns } from './subviews.js';
export { sampleConditionalX } from './conditional-sampler.js';
export { optimalScores, optimalCandidateScores } from './optimal-critic.js';
export { SeparableCritic, Mlp, type CriticConfig } from './critic.js';
export { createOptimizer, type CriticOptimizer, type OptimizerKind } from './optimizer.js';
export { TrainingBatch } from './batch.js';
export { EstimatorTrainer, parseEstimator, DEFAULT_ESTIMATORS, type EstimatorSpec, type StepResult, type TrainerConfig } from './estimators.js';
export { SyntheticOptionsSchema, type SyntheticOptions, type ResolvedSyntheticOptions } from './options.js';
export { runSyntheticExperiment } from './experiment.js';
export { toCsv, toMarkdown, writeReports, renderPlot, summarize, type ReportFiles, type SyntheticResult, type SyntheticRow, type SyntheticSummary } from './report.js';
export { SyntheticError } from '../errors.js';
