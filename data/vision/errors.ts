/**
 * Typed errors of the image readers and the downloader. Each names the file (or URL), says what was
 * wrong and what to do (DESIGN §10).
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

/** A download failed (HTTP status, network, missing file behind a file:// URL). */
export class DownloadError extends Error {
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

/** Downloaded (or cached) bytes do not have the published checksum. Nothing is kept. */
export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly source: string,
    readonly algorithm: 'sha256' | 'md5' | 'size',
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `${source}: ${algorithm === 'size' ? 'size' : algorithm.toUpperCase()} is ${actual}, expected ${expected}. ` +
        `The file is corrupt, truncated, or a different version; it was not kept. Retry, or check the URL.`,
    );
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
