/**
 * Downloads corpus files into a cache directory, checked against a pinned SHA-256.
 *
 * Cache: $DEMI_CACHE, else ~/.cache/demi. A file is fetched (http(s) with fetch, file:// from disk)
 * into a temporary file next to its final name while being hashed; only bytes with the expected
 * hash are renamed into place, so the cache never holds a partial or wrong file. A verified file
 * gets a small `.sha256` stamp (hash, size, mtime) so later loads skip re-hashing.
 */

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChecksumMismatchError, DownloadError } from './errors.js';

/** A file someone published, pinned by its SHA-256. */
export interface RemoteFile {
  url: string;
  sha256: string;
  /** Name in the cache directory. */
  fileName: string;
  /** Expected size in bytes, where known (informational; the hash is what is checked). */
  bytes?: number;
  /** Where the URL and hash come from, for people auditing the pin. */
  provenance?: string;
}

export interface DownloadOptions {
  /** Cache root; default $DEMI_CACHE or ~/.cache/demi. */
  cacheDir?: string;
  /** Sub-folder of the cache root (one per corpus). */
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

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Stamp {
  sha256: string;
  size: number;
  mtimeMs: number;
}

async function verifiedStampMatches(path: string, sha256: string): Promise<boolean> {
  try {
    const [s, raw] = await Promise.all([stat(path), readFile(`${path}.sha256`, 'utf8')]);
    const stamp = JSON.parse(raw) as Stamp;
    return stamp.sha256 === sha256 && stamp.size === s.size && stamp.mtimeMs === s.mtimeMs;
  } catch {
    return false;
  }
}

async function writeStamp(path: string, sha256: string): Promise<void> {
  const s = await stat(path);
  const stamp: Stamp = { sha256, size: s.size, mtimeMs: s.mtimeMs };
  await writeFile(`${path}.sha256`, JSON.stringify(stamp));
}

async function* bodyChunks(url: string): AsyncGenerator<Uint8Array | { total: number | undefined }> {
  const parsed = new URL(url);
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

/**
 * Returns the local path of `file` in the cache, downloading and verifying it first if needed.
 * A cached copy whose hash is wrong (corrupted, or an older pin) is replaced.
 */
export async function ensureDownloaded(file: RemoteFile, options: DownloadOptions = {}): Promise<string> {
  const root = options.cacheDir ?? demiCacheDir();
  const dir = options.subdir ? join(root, options.subdir) : root;
  const target = join(dir, file.fileName);
  const expected = file.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new RangeError(`${file.fileName}: sha256 must be 64 hex digits, got "${file.sha256}"`);
  }

  if (!options.force) {
    if (await verifiedStampMatches(target, expected)) return target;
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists && (await sha256File(target)) === expected) {
      await writeStamp(target, expected);
      return target;
    }
  }

  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hash = createHash('sha256');
  const fh = await open(tmp, 'w');
  let received = 0;
  let total: number | undefined;
  let ok = false;
  try {
    for await (const item of bodyChunks(file.url)) {
      if (item instanceof Uint8Array) {
        hash.update(item);
        await fh.write(item);
        received += item.length;
        options.onProgress?.(received, total);
      } else total = item.total;
    }
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await rm(tmp, { force: true });
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await rm(tmp, { force: true });
    throw new ChecksumMismatchError(file.url, expected, actual);
  }
  await rename(tmp, target);
  await writeStamp(target, expected);
  return target;
}
