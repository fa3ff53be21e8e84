/**
 * Typed errors of the safetensors reader/writer. Each names the file (and the tensor where there is
 * one), says what was wrong, and what to do.
 */

export class SafetensorsError extends Error {
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
