/**
 * The errors of the tensor-free floor, and the base class of every typed error in the project.
 *
 * A DemiError is a problem with what the user gave (a file, a flag, a config, a request): its message
 * says what was wrong and its hint what to do, and `demi` prints both without a stack trace. Anything
 * else that reaches the command line is a bug and is shown with its stack.
 */

export class DemiError extends Error {
  override name = 'DemiError';
  /** What to do about it; printed after the message. Part of `message` too, so logs keep it. */
  readonly hint?: string;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}; ${options.hint}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** A config file, a `--set` override or options that cannot be used. */
export class ConfigError extends DemiError {
  override name = 'ConfigError';
}

/**
 * An output path that holds something the command did not create (a run, files of the user's), so
 * writing there would delete it. The hint says how to continue, start over without deleting, or
 * write elsewhere.
 */
export class OutputDirectoryError extends DemiError {
  override name = 'OutputDirectoryError';
}

/* safetensors: each error names the file (and the tensor where there is one). */

export class SafetensorsError extends DemiError {
  override name = 'SafetensorsError';
  constructor(
    readonly file: string,
    message: string,
    readonly tensor?: string,
  ) {
    super(`${file}${tensor !== undefined ? ` (tensor "${tensor}")` : ''}: ${message}`);
  }
}

/** The file is not a valid safetensors file: truncated, bad header, bad offsets, sizes that disagree. */
export class SafetensorsCorruptError extends SafetensorsError {
  override name = 'SafetensorsCorruptError';
  constructor(file: string, problem: string, tensor?: string) {
    super(
      file,
      `corrupt or not a safetensors file: ${problem}. Re-download or re-export the file ` +
        `(e.g. with Python's safetensors.torch.save_file).`,
      tensor,
    );
  }
}

/** A dtype this reader (or writer) does not handle. */
export class SafetensorsDtypeError extends SafetensorsError {
  override name = 'SafetensorsDtypeError';
  constructor(file: string, tensor: string, dtype: string, supported: readonly string[]) {
    super(
      file,
      `dtype ${dtype} is not supported (supported: ${supported.join(', ')}). Convert the tensor, or ` +
        `pass a filter that skips it.`,
      tensor,
    );
  }
}

/** The caller passed tensors that cannot be written (shape/data mismatch, bad name, bad metadata). */
export class SafetensorsInputError extends SafetensorsError {
  override name = 'SafetensorsInputError';
}
