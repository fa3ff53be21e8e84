/**
 * Tiny vision fixtures written by the tests themselves (CIFAR/STL binaries, IDX files, tar
 * archives, image folders), in a temporary directory, so that no test needs the real data sets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(prefix = 'demi-vision-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A deterministic byte for (image, y, x, channel), so conversions can be checked pixel by pixel. */
export const pixel = (n: number, y: number, x: number, c: number, salt = 0): number =>
  (n * 97 + y * 31 + x * 7 + c * 53 + salt) % 256;

/** CIFAR-10 binary records: label, then R, G, B planes (row-major). */
export function cifarBinary(labels: number[]): Buffer {
  const rec = 3073;
  const buf = Buffer.alloc(labels.length * rec);
  labels.forEach((label, n) => {
    buf[n * rec] = label;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) buf[n * rec + 1 + c * 1024 + y * 32 + x] = pixel(n, y, x, c);
    }
  });
  return buf;
}

/** STL-10 images: per image, per channel, column-major 96x96 (byte c*9216 + x*96 + y). */
export function stlImages(count: number, salt = 0): Buffer {
  const size = 3 * 96 * 96;
  const buf = Buffer.alloc(count * size);
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < 3; c++) {
      for (let x = 0; x < 96; x++) for (let y = 0; y < 96; y++) buf[n * size + c * 9216 + x * 96 + y] = pixel(n, y, x, c, salt);
    }
  }
  return buf;
}

/** An IDX file of unsigned bytes. */
export function idxBytes(dims: number[], data: Uint8Array, gzip = false): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  const raw = Buffer.concat([head, Buffer.from(data)]);
  return gzip ? gzipSync(raw) : raw;
}

export interface TarMember {
  path: string;
  data?: Buffer;
  /** '0' file (default), '5' directory. */
  type?: '0' | '5';
}

function header(name: string, size: number, type: string, prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  if (prefix) h.write(prefix, 345);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.from(`${len}${body}`);
}

/**
 * A tar archive like `git archive` writes: a pax global header first, then the members; names
 * longer than 100 bytes use a pax 'x' record (or a GNU 'L' record with gnuLongNames).
 */
export function tarArchive(members: TarMember[], options: { gzip?: boolean; gnuLongNames?: boolean; endBlocks?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const g = paxRecord('comment', '0123456789abcdef0123456789abcdef01234567');
  parts.push(header('pax_global_header', g.length, 'g'), g, pad(g.length));
  for (const m of members) {
    const data = m.data ?? Buffer.alloc(0);
    const type = m.type ?? '0';
    let name = m.path;
    if (Buffer.byteLength(name) > 100) {
      if (options.gnuLongNames) {
        const ln = Buffer.from(`${name}\0`);
        parts.push(header('././@LongLink', ln.length, 'L'), ln, pad(ln.length));
      } else {
        const x = paxRecord('path', name);
        parts.push(header('PaxHeader', x.length, 'x'), x, pad(x.length));
      }
      name = name.slice(0, 100);
    }
    parts.push(header(name, type === '5' ? 0 : data.length, type), data, pad(data.length));
  }
  parts.push(Buffer.alloc(512 * (options.endBlocks ?? 2)));
  const tar = Buffer.concat(parts);
  return options.gzip ? gzipSync(tar) : tar;
}
