/**
 * data/fetch: downloading published files into the cache (pinned checksums, mirrors, atomic
 * rename, `.verified` stamps), the atomic file write behind it, and reading or extracting tar
 * archives, shared by the dialogue corpora (data/dialogue), the tokenizers and the image data sets
 * (data/vision).
 */

export { ArchiveFormatError, ChecksumMismatchError, DownloadError } from '../errors.js';
export {
  type DownloadOptions,
  type RemoteFile,
  cacheSubdir,
  demiCacheDir,
  ensureDownloaded,
  hashFile,
  sha256File,
} from './download.js';
export { type TarEntry, type TarEntryType, type TarOptions, extractTar, fileBytes, readTarFile, tarEntries } from './tar.js';
