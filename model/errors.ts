/**
 * The typed errors of model/ (engine, transformer, bounds, dialogue, generation, metrics, vision,
 * synthetic, training). Each message says what was wrong and what to do; all are DemiErrors, which
 * `demi` prints without a stack trace.
 */
import { DemiError } from '../core/index.js';

// ---- bounds

/** A score matrix or level list that the bounds cannot use */
export class BoundsError extends DemiError {
  override name = 'BoundsError';
}

// ---- generation

/** A decoding configuration that cannot be used (from zod validation or a cross-field rule). */
export class GenerationConfigError extends DemiError {
  override name = 'GenerationConfigError';
}

/** Inputs that cannot be generated from (empty prompt, ids outside the vocabulary, ...). */
export class GenerationInputError extends DemiError {
  override name = 'GenerationInputError';
}

// ---- metrics

/** Input that a metric cannot score */
export class MetricsError extends DemiError {
  override name = 'MetricsError';
}

// ---- synthetic

/** Bad options for the synthetic experiment */
export class SyntheticError extends DemiError {
  override name = 'SyntheticError';
}

// ---- vision

/** A vision model, config, checkpoint or data problem */
export class VisionError extends DemiError {
  override name = 'VisionError';
}

/** Features and labels a probe cannot be trained on (shapes that disagree, too few labelled rows). */
export class ProbeError extends DemiError {
  override name = 'ProbeError';
}

// ---- dialogue

/** DEMI rerank asked of a model without a critic, or with bad candidates. */
export class RerankError extends DemiError {
  override name = 'RerankError';
}

/** A tokenizer the dialogue format cannot use (no separator or EOS). */
export class DialogueFormatError extends DemiError {
  override name = 'DialogueFormatError';
}

// ---- training

/** A checkpoint directory that is missing, incomplete or does not fit the model. */
export class CheckpointError extends DemiError {
  override name = 'CheckpointError';
}

/** The loss or a gradient became NaN or infinite. */
export class TrainingDivergedError extends DemiError {
  override name = 'TrainingDivergedError';
}

// ---- engine and transformer

/** A backend that was asked for (DEMI_BACKEND, --backend) and cannot be used. */
export class BackendError extends DemiError {
  override name = 'BackendError';
}

/** Weights or inputs whose shapes do not fit the GPT config. */
export class GPTShapeError extends DemiError {
  override name = 'GPTShapeError';
}
