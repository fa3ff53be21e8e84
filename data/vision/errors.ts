/**
 * Typed errors of the image readers. Each names the file, says what was wrong and what to do
 * (DESIGN §10). The download errors (DownloadError, ChecksumMismatchError) are data/fetch's.
 */

/** A file does not have the format its reader expects (bad magic, wrong size, truncated, bad label). */
export class ImageDataError extends Error {
  override name = 'ImageDataError';
  constructor(
    readonly file: string,
    readonly problem: string,
    hint = 'check that the file is the format this reader expects, or delete it and download it again',
  ) {
    super(`${file}: ${problem}; ${hint}`);
  }
}

/** No image decoder (sharp) could be loaded. */
export class ImageDecoderUnavailableError extends Error {
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
