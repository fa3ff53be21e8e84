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
export { runSyntheticExperiment, type SyntheticResult, type SyntheticRow } from './experiment.js';
export { toCsv, toMarkdown, writeReports, type ReportFiles } from './report.js';
export { renderPlot } from './plot.js';
export { summarize, type SyntheticSummary } from './summary.js';
export { syntheticCommand, parseSyntheticArgs, SYNTHETIC_USAGE } from './command.js';
export { SyntheticError } from './errors.js';
