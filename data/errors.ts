/**
 * The typed errors of data/: downloads and archives, dialogue corpora, tokenizers, image sets. Each
 * names the file or URL (and where in it), says what was wrong and what to do; all are DemiErrors,
 * which `demi` prints without a stack trace.
 */
import { DemiError } from '../core/index.js';

/** Where in a file a problem is: a 1-based line, an entry (index or id), or both. */
export interface FileLocation {
  line?: number;
  entry?: number | string;
}

function where(file: string, at: FileLocation): string {
  const parts: string[] = [];
  if (at.line !== undefined) parts.push(`line ${at.line}`);
  if (at.entry !== undefined) parts.push(`entry ${typeof at.entry === 'number' ? at.entry : JSON.stringify(at.entry)}`);
  return parts.length > 0 ? `${file} (${parts.join(', ')})` : file;
}

/**
 * A file does not have the format its reader expects: "<file> (<where>): <problem>; <hint>". The
 * base of the format errors of each data family, which differ in their name and default hint.
 */
export abstract class FileFormatError extends DemiError {
  readonly line?: number;
  readonly entry?: number | string;
  constructor(
    readonly file: string,
    at: FileLocation,
    readonly problem: string,
    hint: string,
  ) {
    super(`${where(file, at)}: ${problem}`, { hint });
    this.line = at.line;
    this.entry = at.entry;
  }
}

/** A FileFormatError class whose errors name the whole file (no line or entry): `new C(file, problem, hint?)`. */
function wholeFileFormatError(errorName: string, defaultHint: string) {
  return class extends FileFormatError {
    override name = errorName;
    constructor(file: string, problem: string, hint = defaultHint) {
      super(file, {}, problem, hint);
    }
  };
}

// ---- downloads and archives

/** A download failed (HTTP status, network, missing file behind a file:// URL, bad URL). */
export class DownloadError extends DemiError {
  override name = 'DownloadError';
  constructor(
    readonly url: string,
    readonly problem: string,
  ) {
    super(
      `download of ${url} failed: ${problem}. Check the network, or download the file yourself and pass ` +
        `its local path, or point the URL at a mirror.`,
    );
  }
}

const CHECK_LABEL = { sha256: 'SHA-256', md5: 'MD5', size: 'size' } as const;

/** Downloaded (or cached) bytes do not have the published checksum or size. Nothing is kept. */
export class ChecksumMismatchError extends DemiError {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly source: string,
    readonly algorithm: 'sha256' | 'md5' | 'size',
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `${source}: ${CHECK_LABEL[algorithm]} is ${actual}, expected ${expected}. ` +
        `The file is corrupt, truncated, or a different version; it was not kept. Retry, or check the URL.`,
    );
  }
}

/**
 * A tar (or gzip) archive is damaged or not an archive. The tar reader throws this unless its
 * caller asks for its own error type (TarOptions.formatError).
 */
export class ArchiveFormatError extends wholeFileFormatError(
  'ArchiveFormatError',
  'check that the file is a .tar or .tar.gz archive, or delete it and download it again',
) {}

// ---- dialogue

/** The file does not have the format its reader expects. */
export class DatasetFormatError extends FileFormatError {
  override name = 'DatasetFormatError';
  constructor(
    file: string,
    at: FileLocation,
    problem: string,
    hint = 'check that the file is the format this reader expects, or re-download it',
  ) {
    super(file, at, problem, hint);
  }
}

// ---- tokenizer

export class TokenizerError extends DemiError {
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

/** A tokenizer that cannot be written as a Hugging Face tokenizer.json with the same ids (a BPE or word SentencePiece model, an unknown normalizer). */
export class TokenizerExportError extends TokenizerError {
  override name = 'TokenizerExportError';
}

/** spm_train is missing or failed. */
export class SentencePieceTrainingError extends DemiError {
  override name = 'SentencePieceTrainingError';
}

// ---- vision

/** A file does not have the format its reader expects (bad magic, wrong size, truncated, bad label). */
export class ImageDataError extends wholeFileFormatError(
  'ImageDataError',
  'check that the file is the format this reader expects, or delete it and download it again',
) {}

/** No image decoder (sharp) could be loaded. */
export class ImageDecoderUnavailableError extends DemiError {
  override name = 'ImageDecoderUnavailableError';
  constructor(cause: unknown) {
    super(
      `decoding PNG/JPEG images needs the "sharp" package, which could not be loaded ` +
        `(${cause instanceof Error ? cause.message : String(cause)}). Install it with "npm install sharp" ` +
        `(prebuilt binaries for Linux/macOS/Windows x64 and arm64), or convert the images to an IDX or ` +
        `CIFAR-style binary file.`,
      { cause },
    );
  }
}
