/**
 * The shared tar reader (data/fetch) as the image readers use it: a damaged archive (truncated,
 * bad header checksum, bad gzip data) is an ImageDataError naming it, like any other unreadable
 * image file.
 */

import * as tar from '../fetch/index.js';
import { ImageDataError } from '../errors.js';

const imageData: tar.TarOptions = { formatError: (file, problem) => new ImageDataError(file, problem) };

/** The members of a tar stream; `label` names the archive in errors (see data/fetch). */
export function tarEntries(stream: AsyncIterable<Buffer>, label: string): AsyncGenerator<tar.TarEntry> {
  return tar.tarEntries(stream, label, imageData);
}

/** The bytes of a file, gunzipped if they start with the gzip magic. */
export function fileBytes(path: string): AsyncGenerator<Buffer> {
  return tar.fileBytes(path, imageData);
}

/** The members of a .tar or .tar.gz file. */
export function readTarFile(path: string): AsyncGenerator<tar.TarEntry> {
  return tar.readTarFile(path, imageData);
}

/** Extracts the wanted regular files of `archive` into `destDir/<basename>`; see data/fetch. */
export function extractTar(
  archive: string,
  destDir: string,
  want: (memberPath: string) => boolean,
): Promise<Map<string, string>> {
  return tar.extractTar(archive, destDir, want, imageData);
}
