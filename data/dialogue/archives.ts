/**
 * Extraction from the .tgz files corpora ship in (ParlAI ships Wizard of Wikipedia as one large
 * .tgz), with the shared streaming tar reader (data/fetch): memory stays bounded whatever the
 * archive's size, and a damaged archive is a DatasetFormatError naming it.
 */

import { extractTar } from '../fetch/index.js';
import { DatasetFormatError } from '../errors.js';

/**
 * Extracts the regular files of `archive` (.tar.gz, or a plain .tar) for which `want(memberPath)`
 * is true into `destDir/<basename>`, each through a temporary file and a rename. Returns the
 * written paths by member path.
 */
export function extractTarGz(
  archive: string,
  destDir: string,
  want: (memberPath: string) => boolean,
): Promise<Map<string, string>> {
  return extractTar(archive, destDir, want, {
    formatError: (file, problem) => new DatasetFormatError(file, {}, problem),
  });
}
