/**
 * Streaming extraction of chosen members from a .tar.gz (ParlAI ships Wizard of Wikipedia as one
 * large .tgz). Reads ustar/GNU/pax headers from a gunzip stream and writes the wanted regular files
 * to a directory under their base names, each through a temporary file and a rename. Memory stays
 * bounded whatever the archive's size.
 */

import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DatasetFormatError } from './errors.js';

const BLOCK = 512;

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

function paxPath(data: Buffer): string | undefined {
  // records: "<len> key=value\n"
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    if (space < 0) break;
    const len = parseInt(data.toString('utf8', p, space), 10);
    if (!(len > 0)) break;
    const rec = data.toString('utf8', space + 1, p + len - 1);
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') return rec.slice(eq + 1);
    p += len;
  }
  return undefined;
}

/**
 * Extracts the regular files of `archive` (.tar.gz) for which `want(memberPath)` is true into
 * `destDir/<basename>`. Returns the written paths by member path.
 */
export async function extractTarGz(
  archive: string,
  destDir: string,
  want: (memberPath: string) => boolean,
): Promise<Map<string, string>> {
  const written = new Map<string, string>();
  let pending: Buffer = Buffer.alloc(0);
  let header: Buffer | null = null; // current member's header while its data streams
  let remaining = 0; // data bytes left in the current member
  let padding = 0; // padding bytes after it
  let longName: string | undefined;
  let paxName: string | undefined;
  let meta: Buffer[] | null = null; // collecting a GNU long-name or pax record
  let out: { fh: Awaited<ReturnType<typeof open>>; tmp: string; final: string; member: string } | null = null;
  let zeroBlocks = 0;
  let blockIndex = 0;

  const bad = (problem: string) => new DatasetFormatError(archive, { entry: `block ${blockIndex}` }, problem);

  async function finishMember(): Promise<void> {
    if (meta && header) {
      const data = Buffer.concat(meta);
      const type = String.fromCharCode(header[156]);
      if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
      else if (type === 'x') paxName = paxPath(data) ?? paxName;
      meta = null;
    }
    if (out) {
      await out.fh.sync();
      await out.fh.close();
      await rename(out.tmp, out.final);
      written.set(out.member, out.final);
      out = null;
    }
    header = null;
  }

  const input = createReadStream(archive).pipe(createGunzip());
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let p = 0;
      while (true) {
        if (header) {
          if (remaining > 0) {
            const n = Math.min(remaining, pending.length - p);
            if (n === 0) break;
            const piece = pending.subarray(p, p + n);
            if (out) await out.fh.write(piece);
            else if (meta) meta.push(Buffer.from(piece));
            remaining -= n;
            p += n;
            if (remaining > 0) break;
          }
          if (padding > 0) {
            const n = Math.min(padding, pending.length - p);
            padding -= n;
            p += n;
            if (padding > 0) break;
          }
          await finishMember();
          continue;
        }
        if (pending.length - p < BLOCK) break;
        const h = pending.subarray(p, p + BLOCK);
        p += BLOCK;
        blockIndex++;
        if (h.every((b) => b === 0)) {
          zeroBlocks++;
          continue;
        }
        if (zeroBlocks >= 2) break;
        zeroBlocks = 0;
        if (!checksumOk(h)) throw bad('tar header checksum mismatch (corrupt or not a tar.gz)');
        header = Buffer.from(h);
        const size = octal(header, 124, 12);
        const type = String.fromCharCode(header[156]);
        remaining = size;
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
        if (type === 'L' || type === 'x') {
          meta = [];
          continue;
        }
        const prefix = header.toString('utf8', 257, 263).startsWith('ustar') ? field(header, 345, 155) : '';
        const rawName = field(header, 0, 100);
        const name = paxName ?? longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
        longName = paxName = undefined;
        const regular = type === '0' || type === '\0' || type === '7';
        if (regular && want(name)) {
          const final = join(destDir, basename(name));
          const tmp = `${final}.partial-${process.pid}`;
          out = { fh: await open(tmp, 'w'), tmp, final, member: name };
        }
      }
      pending = pending.subarray(p);
    }
  } catch (e) {
    if (out) {
      const o = out as { fh: Awaited<ReturnType<typeof open>>; tmp: string };
      await o.fh.close().catch(() => undefined);
      await rm(o.tmp, { force: true });
    }
    if (e instanceof DatasetFormatError) throw e;
    throw new DatasetFormatError(archive, {}, `cannot read the tar.gz archive: ${(e as Error).message}`);
  }
  if (header !== null && remaining > 0) {
    if (out) {
      const o = out as { fh: Awaited<ReturnType<typeof open>>; tmp: string };
      await o.fh.close();
      await rm(o.tmp, { force: true });
    }
    throw bad('archive ends in the middle of a member (truncated download?)');
  }
  if (header !== null) await finishMember();
  return written;
}
