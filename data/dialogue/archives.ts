/**
 * The archives corpora ship in. A minimal ZIP reader over an in-memory archive: the
 * end-of-central-directory record (ZIP64 too), the central directory, local headers, members stored
 * (method 0) or deflated (method 8, inflated with node:zlib's inflateRawSync), CRC-32 checked. Enough
 * for the corpora we read (ConvLab's data.zip, the original DailyDialog zip and the zips nested in
 * it). No encryption, no multi-disk archives. Sizes come from the central directory, so members
 * written with data descriptors read fine.
 *
 * And extraction from the .tgz files (ParlAI ships Wizard of Wikipedia as one large .tgz), with the
 * shared streaming tar reader (data/fetch): memory stays bounded whatever the archive's size, and a
 * damaged archive is a DatasetFormatError naming it.
 */

import { readFile } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { extractTar } from '../fetch/index.js';
import { DatasetFormatError } from '../errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  isDirectory: boolean;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

export class ZipArchive {
  private readonly byName = new Map<string, ZipEntry>();

  private constructor(
    private readonly bytes: Buffer,
    /** Names the archive in errors. */
    readonly file: string,
    readonly entries: readonly ZipEntry[],
  ) {
    for (const e of entries) this.byName.set(e.name, e);
  }

  static async open(path: string): Promise<ZipArchive> {
    return ZipArchive.fromBuffer(await readFile(path), path);
  }

  static fromBuffer(bytes: Buffer, file: string): ZipArchive {
    const bad = (problem: string, entry?: string) =>
      new DatasetFormatError(file, entry === undefined ? {} : { entry }, `not a readable ZIP archive: ${problem}`);
    if (bytes.length < 22) throw bad(`${bytes.length} bytes is too short for a ZIP archive`);

    // End of central directory: scan back over a possible comment (at most 65535 bytes).
    let eocd = -1;
    for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
      if (bytes.readUInt32LE(i) === SIG_EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw bad('no end-of-central-directory record (truncated download?)');
    let count = bytes.readUInt16LE(eocd + 10);
    let cdSize = bytes.readUInt32LE(eocd + 12);
    let cdOffset = bytes.readUInt32LE(eocd + 16);
    if (bytes.readUInt16LE(eocd + 4) !== 0 || bytes.readUInt16LE(eocd + 6) !== 0) {
      throw bad('multi-disk archives are not supported');
    }
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || bytes.readUInt32LE(loc) !== SIG_ZIP64_LOCATOR) throw bad('ZIP64 locator missing');
      const z64 = Number(bytes.readBigUInt64LE(loc + 8));
      if (z64 + 56 > bytes.length || bytes.readUInt32LE(z64) !== SIG_ZIP64_EOCD) throw bad('ZIP64 record missing');
      count = Number(bytes.readBigUInt64LE(z64 + 32));
      cdSize = Number(bytes.readBigUInt64LE(z64 + 40));
      cdOffset = Number(bytes.readBigUInt64LE(z64 + 48));
    }
    if (cdOffset + cdSize > bytes.length) throw bad('central directory runs past the end of the file (truncated?)');

    const entries: ZipEntry[] = [];
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== SIG_CENTRAL) throw bad(`central directory entry ${i} is damaged`);
      const flags = bytes.readUInt16LE(p + 8);
      const method = bytes.readUInt16LE(p + 10);
      const crc = bytes.readUInt32LE(p + 16);
      let compressedSize = bytes.readUInt32LE(p + 20);
      let size = bytes.readUInt32LE(p + 24);
      const nameLen = bytes.readUInt16LE(p + 28);
      const extraLen = bytes.readUInt16LE(p + 30);
      const commentLen = bytes.readUInt16LE(p + 32);
      let localHeaderOffset = bytes.readUInt32LE(p + 42);
      const name = bytes.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
      // ZIP64 extended information (header id 1) replaces the fields set to 0xffffffff, in order.
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = bytes.readUInt16LE(x);
        const len = bytes.readUInt16LE(x + 2);
        if (id === 1) {
          let q = x + 4;
          if (size === 0xffffffff) {
            size = Number(bytes.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(bytes.readBigUInt64LE(q));
            q += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(bytes.readBigUInt64LE(q));
        }
        x += 4 + len;
      }
      if (flags & 0x1) throw bad('encrypted members are not supported', name);
      entries.push({ name, method, compressedSize, size, crc32: crc, localHeaderOffset, isDirectory: name.endsWith('/') });
      p = xEnd + commentLen;
    }
    return new ZipArchive(bytes, file, entries);
  }

  /** Member names, in central-directory order (directories included). */
  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The first file member whose name ends with `suffix` (skipping macOS resource forks). */
  findBySuffix(suffix: string): ZipEntry | undefined {
    return this.entries.find(
      (e) => !e.isDirectory && e.name.endsWith(suffix) && !e.name.startsWith('__MACOSX/') && !/(^|\/)\._/.test(e.name),
    );
  }

  /** The uncompressed bytes of a member, CRC-checked. */
  read(nameOrEntry: string | ZipEntry): Buffer {
    const entry = typeof nameOrEntry === 'string' ? this.byName.get(nameOrEntry) : nameOrEntry;
    if (!entry) {
      throw new DatasetFormatError(
        this.file,
        { entry: String(nameOrEntry) },
        `no such member in the archive (members: ${this.names().slice(0, 10).join(', ')}${this.entries.length > 10 ? ', ...' : ''})`,
      );
    }
    const bad = (problem: string) => new DatasetFormatError(this.file, { entry: entry.name }, problem);
    const h = entry.localHeaderOffset;
    if (h + 30 > this.bytes.length || this.bytes.readUInt32LE(h) !== SIG_LOCAL) throw bad('local header is damaged');
    const start = h + 30 + this.bytes.readUInt16LE(h + 26) + this.bytes.readUInt16LE(h + 28);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) throw bad('member data runs past the end of the archive (truncated?)');
    const raw = this.bytes.subarray(start, end);
    let out: Buffer;
    if (entry.method === 0) out = Buffer.from(raw);
    else if (entry.method === 8) {
      try {
        out = inflateRawSync(raw);
      } catch (e) {
        throw bad(`deflate data is corrupt (${(e as Error).message})`);
      }
    } else throw bad(`compression method ${entry.method} is not supported (only stored and deflate)`);
    if (out.length !== entry.size) throw bad(`inflated to ${out.length} bytes, the directory says ${entry.size}`);
    if ((crc32(out) >>> 0) !== entry.crc32 >>> 0) throw bad('CRC-32 mismatch (corrupt archive)');
    return out;
  }

  readText(nameOrEntry: string | ZipEntry): string {
    return this.read(nameOrEntry).toString('utf8');
  }
}

// ---- tar

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
