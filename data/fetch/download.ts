/**
 * Downloads published files (corpora, data set archives) into a cache directory, checked against
 * the checksums their publishers give: SHA-256 and/or MD5 (CIFAR-10, STL-10, MNIST and
 * Fashion-MNIST publish MD5), and the exact size where known.
 *
 * Cache: $DEMI_CACHE, else ~/.cache/demi, one sub-folder per corpus or data set. Bytes are fetched
 * (http(s) with fetch, following redirects; file:// from disk) into a temporary file next to the
 * final name while being hashed; only bytes with the expected size and hashes are renamed into place
 * (an atomic rename on one file system), so the cache never holds a partial or wrong file. When the
 * URL fails, the mirrors are tried in order. A verified file gets a small `.verified` stamp (hashes,
 * size, mtime) so later loads skip re-hashing a 2.6 GB archive. Every file data/ writes for later
 * reads (downloads, extracted members, corpora, decoded image sets) goes through core's
 * `streamFileAtomically`, for the same reason.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamFileAtomically } from '../../core/index.js';
import { ChecksumMismatchError, DownloadError } from '../errors.js';

/** A file someone published, pinned by the checksum(s) they publish. At least one of sha256/md5. */
export interface RemoteFile {
  url: string;
  /** Other URLs with the same bytes, tried in order when the first fails. */
  mirrors?: string[];
  /** Name in the cache directory. */
  fileName: string;
  sha256?: string;
  md5?: string;
  /** Exact size in bytes where known (checked too: a cheap early signal of truncation). */
  bytes?: number;
  /** Where the URL and checksums come from, for people auditing the pin. */
  provenance?: string;
}

export interface DownloadOptions {
  /** Cache root; default $DEMI_CACHE or ~/.cache/demi. */
  cacheDir?: string;
  /** Sub-folder of the cache root (one per corpus or data set). */
  subdir?: string;
  /** Download again even if a verified copy is cached. */
  force?: boolean;
  /** Called as bytes arrive (total is undefined when the server does not say). */
  onProgress?: (received: number, total: number | undefined) => void;
}

/** The cache root: $DEMI_CACHE if set, else ~/.cache/demi. */
export function demiCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DEMI_CACHE;
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.cache', 'demi');
}

/** The directory `ensureDownloaded` uses for these options. */
export function cacheSubdir(options: Pick<DownloadOptions, 'cacheDir' | 'subdir'> = {}): string {
  const root = options.cacheDir ?? demiCacheDir();
  return options.subdir ? join(root, options.subdir) : root;
}

/** Hex digest of a file, streamed. */
export async function hashFile(path: string, algorithm: 'sha256' | 'md5' = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** SHA-256 (hex) of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return hashFile(path, 'sha256');
}

interface Expected {
  sha256?: string;
  md5?: string;
  bytes?: number;
}

function expectedOf(file: RemoteFile): Expected {
  const sha256 = file.sha256?.toLowerCase();
  const md5 = file.md5?.toLowerCase();
  if (sha256 === undefined && md5 === undefined) {
    throw new RangeError(`${file.fileName}: a RemoteFile needs a sha256 or an md5 checksum`);
  }
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new RangeError(`${file.fileName}: sha256 must be 64 hex digits, got "${file.sha256}"`);
  }
  if (md5 !== undefined && !/^[0-9a-f]{32}$/.test(md5)) {
    throw new RangeError(`${file.fileName}: md5 must be 32 hex digits, got "${file.md5}"`);
  }
  return { sha256, md5, bytes: file.bytes };
}

interface Stamp extends Expected {
  size: number;
  mtimeMs: number;
}

async function stampMatches(path: string, want: Expected): Promise<boolean> {
  try {
    const [s, raw] = await Promise.all([stat(path), readFile(`${path}.verified`, 'utf8')]);
    const stamp = JSON.parse(raw) as Stamp;
    if (stamp.size !== s.size || stamp.mtimeMs !== s.mtimeMs) return false;
    if (want.sha256 !== undefined && stamp.sha256 !== want.sha256) return false;
    if (want.md5 !== undefined && stamp.md5 !== want.md5) return false;
    return true;
  } catch {
    return false;
  }
}

async function writeStamp(path: string, want: Expected): Promise<void> {
  const s = await stat(path);
  const stamp: Stamp = { sha256: want.sha256, md5: want.md5, size: s.size, mtimeMs: s.mtimeMs };
  await writeFile(`${path}.verified`, JSON.stringify(stamp));
}

/** The first mismatch between what was received and what was expected, or null. */
function mismatch(source: string, want: Expected, got: Received) {
  if (want.bytes !== undefined && got.size !== want.bytes) {
    return new ChecksumMismatchError(source, 'size', `${want.bytes} bytes`, `${got.size} bytes`);
  }
  if (want.sha256 !== undefined && got.sha256 !== want.sha256) {
    return new ChecksumMismatchError(source, 'sha256', want.sha256, got.sha256);
  }
  if (want.md5 !== undefined && got.md5 !== want.md5) return new ChecksumMismatchError(source, 'md5', want.md5, got.md5);
  return null;
}

interface Received {
  sha256: string;
  md5: string;
  size: number;
}

/** SHA-256, MD5 and size of bytes fed in pieces. */
function checksums(): { update(piece: Uint8Array): void; digest(): Received } {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  return {
    update(piece) {
      sha.update(piece);
      md5.update(piece);
      size += piece.length;
    },
    digest: () => ({ sha256: sha.digest('hex'), md5: md5.digest('hex'), size }),
  };
}

async function hashLocal(path: string): Promise<Received> {
  const sums = checksums();
  for await (const chunk of createReadStream(path)) sums.update(chunk as Buffer);
  return sums.digest();
}

async function* bodyChunks(url: string): AsyncGenerator<Uint8Array | { total: number | undefined }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DownloadError(url, 'not a valid URL');
  }
  if (parsed.protocol === 'file:') {
    const path = fileURLToPath(parsed);
    let total: number;
    try {
      total = (await stat(path)).size;
    } catch (e) {
      throw new DownloadError(url, (e as Error).message);
    }
    yield { total };
    for await (const chunk of createReadStream(path)) yield chunk as Buffer;
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DownloadError(url, `unsupported URL scheme ${parsed.protocol}`);
  }
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new DownloadError(url, `${(e as Error).message}${cause ? ` (${cause.message})` : ''}`);
  }
  if (!response.ok || response.body === null) {
    throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`);
  }
  const length = response.headers.get('content-length');
  yield { total: length === null ? undefined : Number(length) };
  const reader = response.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
  } catch (e) {
    throw new DownloadError(url, `connection broke after some bytes (${(e as Error).message})`);
  }
}

async function fetchTo(url: string, target: string, want: Expected, options: DownloadOptions): Promise<void> {
  const sums = checksums();
  let received = 0;
  let total: number | undefined;
  const write = async (fh: FileHandle) => {
    for await (const item of bodyChunks(url)) {
      if (item instanceof Uint8Array) {
        sums.update(item);
        await fh.write(item);
        received += item.length;
        options.onProgress?.(received, total);
      } else total = item.total;
    }
  };
  await streamFileAtomically(target, write, () => {
    const bad = mismatch(url, want, sums.digest());
    if (bad) throw bad;
  });
}

/**
 * Returns the local path of `file` in the cache, downloading and verifying it first if needed
 * (trying `file.url`, then each mirror). A cached copy whose checksum is wrong is replaced.
 */
export async function ensureDownloaded(file: RemoteFile, options: DownloadOptions = {}): Promise<string> {
  const want = expectedOf(file);
  const target = join(cacheSubdir(options), file.fileName);

  if (!options.force) {
    if (await stampMatches(target, want)) return target;
    const exists = await stat(target).then(
      (s) => s.isFile(),
      () => false,
    );
    if (exists && mismatch(target, want, await hashLocal(target)) === null) {
      await writeStamp(target, want);
      return target;
    }
  }

  await mkdir(dirname(target), { recursive: true });
  let lastError: unknown;
  for (const url of [file.url, ...(file.mirrors ?? [])]) {
    try {
      await fetchTo(url, target, want, options);
      await writeStamp(target, want);
      return target;
    } catch (e) {
      if (!(e instanceof DownloadError || e instanceof ChecksumMismatchError)) throw e;
      lastError = e;
    }
  }
  throw lastError;
}
