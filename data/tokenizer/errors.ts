/** Typed errors of the tokenizers. Each names the file, says what was wrong and what to do. */

export class TokenizerError extends Error {
  override name = 'TokenizerError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** The tokenizer file cannot be read or is not the format it claims. */
export class TokenizerLoadError extends TokenizerError {
  override name = 'TokenizerLoadError';
}

/** encode/decode got input the tokenizer cannot handle (an id outside the vocabulary, ...). */
export class TokenizerInputError extends TokenizerError {
  override name = 'TokenizerInputError';
}

/** spm_train is missing or failed. */
export class SentencePieceTrainingError extends Error {
  override name = 'SentencePieceTrainingError';
}
