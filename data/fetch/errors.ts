/**
 * Typed errors of the downloader and the tar reader. Each names the URL or file, says what was
 * wrong and what to do (DESIGN §10). The data families re-export them (data/dialogue, data/vision).
 */

/** A download failed (HTTP status, network, missing file behind a file:// URL, bad URL). */
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

const CHECK_LABEL = { sha256: 'SHA-256', md5: 'MD5', size: 'size' } as const;

/** Downloaded (or cached) bytes do not have the published checksum or size. Nothing is kept. */
export class ChecksumMismatchError extends Error {
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
export class ArchiveFormatError extends Error {
  override name = 'ArchiveFormatError';
  constructor(
    readonly file: string,
    readonly problem: string,
    hint = 'check that the file is a .tar or .tar.gz archive, or delete it and download it again',
  ) {
    super(`${file}: ${problem}; ${hint}`);
  }
}
