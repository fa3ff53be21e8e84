/**
 * A minimal streaming tar reader (ustar, GNU long names and base-256 sizes, pax path/size records,
 * pax global headers skipped), over a plain or gzip-compressed file (detected from its first bytes,
 * decompressed with node:zlib). Members are yielded one at a time; a member's bytes are read only if
 * the caller asks, so memory stays bounded whatever the archive's size. Also: extraction of chosen
 * members to a directory, each through a temporary file and an atomic rename.
 *
 * A damaged archive (truncated, bad header checksum, bad gzip data) is an ArchiveFormatError naming
 * the file, or the caller's own error type (TarOptions.formatError).
 */

import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { ArchiveFormatError } from '../errors.js';
import { streamFileAtomically } from '../../core/index.js';

const BLOCK = 512;

export type TarEntryType = 'file' | 'directory' | 'link' | 'other';

export interface TarOptions {
  /**
   * Makes the error thrown for a damaged archive (file: the archive or its label; problem: what is
   * wrong), so that each data family reports its own error type. Default: ArchiveFormatError.
   */
  formatError?: (file: string, problem: string) => Error;
}

function formatErrorOf(options: TarOptions): (file: string, problem: string) => Error {
  return options.formatError ?? ((file, problem) => new ArchiveFormatError(file, problem));
}

/** One member of an archive. Its bytes can be read once, before the iteration moves on. */
export interface TarEntry {
  /** Member path as stored (pax and GNU long names resolved, ustar prefix joined). */
  path: string;
  type: TarEntryType;
  size: number;
  /** All of the member's bytes. */
  read(): Promise<Buffer>;
  /** The member's bytes in pieces (for large members). */
  chunks(): AsyncGenerator<Buffer>;
}

/** Pulls exact byte counts from an async stream of Buffers. */
class ByteSource {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private ended = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private available(): number {
    return this.buf.length - this.pos;
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.available() > 0 ? Buffer.concat([this.buf.subarray(this.pos), r.value]) : r.value;
    this.pos = 0;
    return true;
  }

  /** Stops the underlying stream (closing its file) when the reader is abandoned early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.(undefined);
    }
  }

  /** Up to n bytes (fewer only at the end of the stream). */
  async readUpTo(n: number): Promise<Buffer> {
    while (this.available() < n) if (!(await this.fill())) break;
    const k = Math.min(n, this.available());
    const out = this.buf.subarray(this.pos, this.pos + k);
    this.pos += k;
    return out;
  }

  /** Exactly n bytes in pieces; returns the count delivered (less than n only at the end). */
  async *take(n: number): AsyncGenerator<Buffer, void, undefined> {
    let left = n;
    while (left > 0) {
      if (this.available() === 0 && !(await this.fill())) return;
      const k = Math.min(left, this.available());
      const piece = this.buf.subarray(this.pos, this.pos + k);
      this.pos += k;
      left -= k;
      yield piece;
    }
  }
}

function field(h: Buffer, start: number, len: number): string {
  const end = h.indexOf(0, start);
  return h.toString('utf8', start, end >= 0 && end < start + len ? end : start + len);
}

function octal(h: Buffer, start: number, len: number): number {
  if (h[start] & 0x80) {
    // GNU base-256 for sizes >= 8 GiB
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + h[i];
    return v;
  }
  const s = field(h, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === stored;
}

/** pax extended header records: "<len> key=value\n". */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    if (space < 0) break;
    const len = parseInt(data.toString('utf8', p, space), 10);
    if (!(len > 0)) break;
    const rec = data.toString('utf8', space + 1, p + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    p += len;
  }
  return out;
}

function typeOf(flag: string): TarEntryType {
  if (flag === '0' || flag === '\0' || flag === '7') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '1' || flag === '2') return 'link';
  return 'other';
}

async function collect(gen: AsyncGenerator<Buffer>, size: number, onShort: () => Error): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for await (const piece of gen) {
    piece.copy(out, at);
    at += piece.length;
  }
  if (at !== size) throw onShort();
  return out;
}

/**
 * The members of a tar stream. `label` names the archive in errors. The caller may read each
 * member's bytes (entry.read / entry.chunks) before asking for the next member; unread bytes are
 * skipped.
 */
export async function* tarEntries(
  stream: AsyncIterable<Buffer>,
  label: string,
  options: TarOptions = {},
): AsyncGenerator<TarEntry> {
  const src = new ByteSource(stream[Symbol.asyncIterator]());
  const fail = formatErrorOf(options);
  try {
    yield* members(src, (problem) => fail(label, problem));
  } finally {
    await src.close();
  }
}

async function* members(src: ByteSource, bad: (problem: string) => Error): AsyncGenerator<TarEntry> {
  let longName: string | undefined;
  let pax = new Map<string, string>();
  let sawEnd = false;
  while (true) {
    const h = await src.readUpTo(BLOCK);
    if (h.length === 0) break;
    if (h.length < BLOCK) throw bad('archive ends inside a tar header (truncated download?)');
    if (h.every((b) => b === 0)) {
      sawEnd = true; // the end-of-archive marker; a second zero block may follow
      break;
    }
    if (!checksumOk(h)) throw bad('tar header checksum mismatch (corrupt, or not a tar archive)');
    const flag = String.fromCharCode(h[156]);
    const headerSize = octal(h, 124, 12);
    const size = pax.has('size') ? Number(pax.get('size')) : headerSize;
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    const rawName = field(h, 0, 100);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? field(h, 345, 155) : '';
    const short = (what: string) => () => bad(`archive ends in the middle of ${what} (truncated download?)`);

    if (flag === 'L' || flag === 'x' || flag === 'g') {
      const data = await collect(src.take(size), size, short(`a ${flag} header`));
      if (flag === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
      else if (flag === 'x') pax = paxRecords(data);
      await collect(src.take(padding), padding, short('padding'));
      continue;
    }

    const path = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    longName = undefined;
    pax = new Map();
    const type = typeOf(flag);
    const dataSize = type === 'file' ? size : type === 'directory' || type === 'link' ? 0 : size;
    let opened = false;
    let live = true;
    let consumed = 0;
    const open = async function* (): AsyncGenerator<Buffer> {
      if (!live) throw new Error(`tar member ${path}: read its bytes before moving to the next member`);
      if (opened) throw new Error(`tar member ${path}: its bytes were already read`);
      opened = true;
      for await (const piece of src.take(dataSize)) {
        consumed += piece.length;
        yield piece;
      }
    };
    yield {
      path,
      type,
      size: dataSize,
      read: () => collect(open(), dataSize, short(`member ${path}`)),
      chunks: async function* () {
        let got = 0;
        for await (const piece of open()) {
          got += piece.length;
          yield piece;
        }
        if (got !== dataSize) throw short(`member ${path}`)();
      },
    };
    live = false;
    // Skip what the caller did not read, then the padding to the next block.
    let skipped = 0;
    for await (const piece of src.take(dataSize - consumed)) skipped += piece.length;
    if (consumed + skipped !== dataSize) throw short(`member ${path}`)();
    await collect(src.take(padding), padding, short(`member ${path}`));
  }
  if (!sawEnd) throw bad('archive has no end-of-archive marker (truncated download?)');
  // Read to the end of the stream, so that a damaged gzip trailer (CRC, length) is reported too.
  for await (const piece of src.take(Number.POSITIVE_INFINITY)) void piece;
}

/** The bytes of a file, gunzipped if they start with the gzip magic (1f 8b). */
export async function* fileBytes(path: string, options: TarOptions = {}): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  let gz = false;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    gz = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    throw formatErrorOf(options)(path, `cannot read the ${gz ? 'gzip stream' : 'file'}: ${(e as Error).message}`);
  } finally {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
}

/** The members of a .tar or .tar.gz file. */
export function readTarFile(path: string, options: TarOptions = {}): AsyncGenerator<TarEntry> {
  return tarEntries(fileBytes(path, options), path, options);
}

/**
 * Extracts the regular files of `archive` for which `want(memberPath)` is true into
 * `destDir/<basename>` (each via a temporary file and a rename). Returns the written paths by
 * member path.
 */
export async function extractTar(
  archive: string,
  destDir: string,
  want: (memberPath: string) => boolean,
  options: TarOptions = {},
): Promise<Map<string, string>> {
  await mkdir(destDir, { recursive: true });
  const written = new Map<string, string>();
  for await (const entry of readTarFile(archive, options)) {
    if (entry.type !== 'file' || !want(entry.path)) continue;
    const final = join(destDir, basename(entry.path));
    await streamFileAtomically(final, async (fh) => {
      for await (const piece of entry.chunks()) await fh.write(piece);
    });
    written.set(entry.path, final);
  }
  return written;
}
