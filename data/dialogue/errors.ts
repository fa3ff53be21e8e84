/**
 * Typed errors of the dialogue readers. Each names the file and where in it (line for line
 * formats, entry for JSON formats), says what was wrong and what to do. The download errors
 * (DownloadError, ChecksumMismatchError) are data/fetch's.
 */

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

/** The file does not have the format its reader expects. */
export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
  readonly line?: number;
  readonly entry?: number | string;
  constructor(
    readonly file: string,
    at: FileLocation,
    readonly problem: string,
    hint = 'check that the file is the format this reader expects, or re-download it',
  ) {
    super(`${where(file, at)}: ${problem}; ${hint}`);
    this.line = at.line;
    this.entry = at.entry;
  }
}
