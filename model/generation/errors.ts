/** Typed errors of model/generation: each message says what was wrong and what to do. */

/** A decoding configuration that cannot be used (from zod validation or a cross-field rule). */
export class GenerationConfigError extends Error {
  override name = 'GenerationConfigError';
}

/** Inputs that cannot be generated from (empty prompt, ids outside the vocabulary, ...). */
export class GenerationInputError extends Error {
  override name = 'GenerationInputError';
}
