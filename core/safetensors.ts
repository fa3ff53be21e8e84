/**
 * Reader and writer of the safetensors format (https://github.com/huggingface/safetensors), the
 * format of `model.safetensors` in Hugging Face checkpoints and in ours (docs/ARCHITECTURE.md §5).
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
 * `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}`
 * (offsets relative to the byte after the header), then the tensor bytes, little-endian, row-major.
 *
 * The reader validates the header as the reference implementation does: offsets in range, tensors
 * contiguous from 0 with no overlap and no gap, the buffer fully used, and every tensor's byte size
 * equal to numel * sizeof(dtype). Reads F32, F16, BF16 (both returned as Float32Array), I32 and I64.
 * The writer writes F32, F16 (float32 -> float16 rounded to nearest even) and I32, atomically
 * (temporary file in the same directory, fsync, rename). Plain typed arrays, no TensorFlow.js.
 */

import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { removeStaleTemporaries, streamFileAtomically } from './atomic-dir.js';
import { SafetensorsCorruptError, SafetensorsDtypeError, SafetensorsInputError } from './errors.js';
import { bfloat16ToFloat32Array, float16ToFloat32Array, float32ArrayToFloat16 } from './float16.js';

/** Dtypes the reader returns data for. */
export const SAFETENSORS_READ_DTYPES = ['F32', 'F16', 'BF16', 'I32', 'I64'] as const;
/** Dtypes the writer accepts. */
export const SAFETENSORS_WRITE_DTYPES = ['F32', 'F16', 'I32'] as const;
export type SafetensorsReadDtype = (typeof SAFETENSORS_READ_DTYPES)[number];
export type SafetensorsWriteDtype = (typeof SAFETENSORS_WRITE_DTYPES)[number];

/** Byte sizes of every dtype the format defines, so any file's layout can be validated. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  F64: 8, I64: 8, U64: 8,
};

/** Upper bound on the JSON header, as in the reference implementation (guards against garbage). */
const MAX_HEADER_BYTES = 100_000_000;

/** A tensor read from a file. F16 and BF16 data are widened to float32. */
export type SafeTensor =
  | { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

/** A tensor to write. `data` holds numel values in row-major order. */
export interface TensorToWrite {
  dtype: SafetensorsWriteDtype;
  shape: readonly number[];
  data: Float32Array | Int32Array | readonly number[];
}

/** One header entry (no data). */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  /** Tensors in file order (sorted by offset). */
  entries: Map<string, SafetensorsEntry>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

export interface ReadSafetensorsOptions {
  /** Read only the tensors for which this returns true (the others are validated, not decoded). */
  filter?: (name: string, entry: SafetensorsEntry) => boolean;
}

export interface SafetensorsContents {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: this reader/writer assumes a little-endian host');
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Validates and parses the JSON header. `fileSize` is the whole file's byte length. */
export function parseSafetensorsHeader(file: string, headerBytes: Uint8Array, fileSize: number): SafetensorsHeader {
  const n = headerBytes.length;
  const dataStart = 8 + n;
  if (dataStart > fileSize) {
    throw new SafetensorsCorruptError(file, `header length ${n} runs past the end of the ${fileSize}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsCorruptError(file, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsCorruptError(file, 'header does not start with "{"');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsCorruptError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsCorruptError(file, 'header is not a JSON object');
  }

  const metadata: Record<string, string> = {};
  const list: [string, SafetensorsEntry][] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsCorruptError(file, '__metadata__ is not an object of strings');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsCorruptError(file, `__metadata__["${k}"] is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new SafetensorsCorruptError(file, 'entry is not an object', name);
    }
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string') throw new SafetensorsCorruptError(file, 'missing or non-string "dtype"', name);
    if (!(dtype in DTYPE_BYTES)) {
      throw new SafetensorsDtypeError(file, name, dtype, Object.keys(DTYPE_BYTES));
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsCorruptError(file, '"shape" is not an array of non-negative integers', name);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw new SafetensorsCorruptError(file, '"data_offsets" is not [begin, end] with 0 <= begin <= end', name);
    }
    const expected = numelOf(shape as number[]) * DTYPE_BYTES[dtype];
    const actual = offsets[1] - offsets[0];
    if (actual !== expected) {
      throw new SafetensorsCorruptError(
        file,
        `data_offsets span ${actual} bytes but ${dtype} with shape [${(shape as number[]).join(', ')}] needs ${expected}`,
        name,
      );
    }
    list.push([name, { dtype, shape: shape as number[], dataOffsets: [offsets[0], offsets[1]] }]);
  }

  // Layout: sorted by offset, tensors must tile [0, dataSize) exactly.
  const dataSize = fileSize - dataStart;
  list.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  let previous = '';
  for (const [name, entry] of list) {
    const [begin, end] = entry.dataOffsets;
    if (end > dataSize) {
      throw new SafetensorsCorruptError(
        file,
        `data_offsets [${begin}, ${end}) run past the ${dataSize}-byte data section (file truncated?)`,
        name,
      );
    }
    if (begin < cursor) {
      throw new SafetensorsCorruptError(file, `data_offsets [${begin}, ${end}) overlap tensor "${previous}"`, name);
    }
    if (begin > cursor) {
      throw new SafetensorsCorruptError(file, `gap of ${begin - cursor} unused bytes before data_offsets [${begin}, ${end})`, name);
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== dataSize) {
    throw new SafetensorsCorruptError(
      file,
      `data section is ${dataSize} bytes but the tensors cover ${cursor} (trailing bytes or truncated header)`,
    );
  }
  return { metadata, entries: new Map(list), dataStart };
}

function decode(file: string, name: string, entry: SafetensorsEntry, bytes: Uint8Array): SafeTensor {
  // `bytes` owns a fresh ArrayBuffer starting at offset 0, so typed views are aligned.
  const shape = entry.shape.slice();
  const buffer = bytes.buffer as ArrayBuffer;
  const count = bytes.byteLength;
  switch (entry.dtype) {
    case 'F32':
      return { dtype: 'F32', shape, data: new Float32Array(buffer, 0, count / 4) };
    case 'F16':
      return { dtype: 'F16', shape, data: float16ToFloat32Array(new Uint16Array(buffer, 0, count / 2)) };
    case 'BF16':
      return { dtype: 'BF16', shape, data: bfloat16ToFloat32Array(new Uint16Array(buffer, 0, count / 2)) };
    case 'I32':
      return { dtype: 'I32', shape, data: new Int32Array(buffer, 0, count / 4) };
    case 'I64':
      return { dtype: 'I64', shape, data: new BigInt64Array(buffer, 0, count / 8) };
    default:
      throw new SafetensorsDtypeError(file, name, entry.dtype, SAFETENSORS_READ_DTYPES);
  }
}

function readHeaderLength(file: string, first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8) {
    throw new SafetensorsCorruptError(file, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsCorruptError(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (Number(n) + 8 > fileSize) {
    throw new SafetensorsCorruptError(file, `header length ${n} runs past the end of the ${fileSize}-byte file`);
  }
  return Number(n);
}

/** Parses a whole safetensors file held in memory. `file` names it in errors. */
export function parseSafetensors(
  bytes: Uint8Array,
  file = '<buffer>',
  options: ReadSafetensorsOptions = {},
): SafetensorsContents {
  assertLittleEndianHost();
  const n = readHeaderLength(file, bytes.subarray(0, 8), bytes.length);
  const header = parseSafetensorsHeader(file, bytes.subarray(8, 8 + n), bytes.length);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, entry] of header.entries) {
    if (options.filter && !options.filter(name, entry)) continue;
    const [begin, end] = entry.dataOffsets;
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(header.dataStart + begin, header.dataStart + end));
    tensors.set(name, decode(file, name, entry, copy));
  }
  return { tensors, metadata: header.metadata };
}

async function readExactly(fh: fsp.FileHandle, target: Uint8Array, position: number, file: string): Promise<void> {
  const CHUNK = 1 << 30; // fs reads are limited to ~2 GiB per call
  let done = 0;
  while (done < target.length) {
    const len = Math.min(CHUNK, target.length - done);
    const { bytesRead } = await fh.read(target, done, len, position + done);
    if (bytesRead === 0) throw new SafetensorsCorruptError(file, `unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/** Reads and validates the header from an open safetensors file (`path` is for messages). */
async function readHeaderFrom(fh: fsp.FileHandle, path: string): Promise<SafetensorsHeader> {
  const { size } = await fh.stat();
  const first8 = new Uint8Array(8);
  if (size >= 8) await readExactly(fh, first8, 0, path);
  const n = readHeaderLength(path, first8, size);
  const headerBytes = new Uint8Array(n);
  await readExactly(fh, headerBytes, 8, path);
  return parseSafetensorsHeader(path, headerBytes, size);
}

/** Reads and validates only the header of a safetensors file (cheap: no tensor data is read). */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const fh = await fsp.open(path, 'r');
  try {
    return await readHeaderFrom(fh, path);
  } finally {
    await fh.close();
  }
}

/** Reads a safetensors file: tensors (in file order) and `__metadata__`. */
export async function readSafetensorsFile(path: string, options: ReadSafetensorsOptions = {}): Promise<SafetensorsContents> {
  assertLittleEndianHost();
  const fh = await fsp.open(path, 'r');
  try {
    const header = await readHeaderFrom(fh, path);
    const tensors = new Map<string, SafeTensor>();
    for (const [name, entry] of header.entries) {
      if (options.filter && !options.filter(name, entry)) continue;
      if (!(SAFETENSORS_READ_DTYPES as readonly string[]).includes(entry.dtype)) {
        throw new SafetensorsDtypeError(path, name, entry.dtype, SAFETENSORS_READ_DTYPES);
      }
      const [begin, end] = entry.dataOffsets;
      const bytes = new Uint8Array(end - begin);
      await readExactly(fh, bytes, header.dataStart + begin, path);
      tensors.set(name, decode(path, name, entry, bytes));
    }
    return { tensors, metadata: header.metadata };
  } finally {
    await fh.close();
  }
}

/** Reads the tensors of a safetensors file, by name, in file order. */
export async function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): Promise<Map<string, SafeTensor>> {
  return (await readSafetensorsFile(path, options)).tensors;
}

interface PreparedTensor {
  name: string;
  dtype: SafetensorsWriteDtype;
  shape: number[];
  bytes: () => Uint8Array;
  byteLength: number;
}

const WRITE_BYTES: Record<SafetensorsWriteDtype, number> = { F32: 4, F16: 2, I32: 4 };

function prepare(file: string, tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>): PreparedTensor[] {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const out: PreparedTensor[] = [];
  for (const [name, t] of entries) {
    if (name.length === 0 || name === '__metadata__') {
      throw new SafetensorsInputError(file, `invalid tensor name "${name}"`);
    }
    if (!(SAFETENSORS_WRITE_DTYPES as readonly string[]).includes(t.dtype)) {
      throw new SafetensorsDtypeError(file, name, String(t.dtype), SAFETENSORS_WRITE_DTYPES);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsInputError(file, `shape must be non-negative integers, got [${String(t.shape)}]`, name);
    }
    const numel = numelOf(t.shape);
    if (t.data.length !== numel) {
      throw new SafetensorsInputError(
        file,
        `data has ${t.data.length} values but shape [${t.shape.join(', ')}] has ${numel}`,
        name,
      );
    }
    const data = t.data;
    let bytes: () => Uint8Array;
    if (t.dtype === 'F32') {
      bytes = () => {
        const a = data instanceof Float32Array ? data : Float32Array.from(data);
        return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      };
    } else if (t.dtype === 'F16') {
      bytes = () => {
        const h = float32ArrayToFloat16(data);
        return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
      };
    } else {
      if (!(data instanceof Int32Array)) {
        for (let i = 0; i < data.length; i++) {
          const v = data[i];
          if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
            throw new SafetensorsInputError(file, `I32 data[${i}] = ${v} is not a 32-bit integer`, name);
          }
        }
      }
      bytes = () => {
        const a = data instanceof Int32Array ? data : Int32Array.from(data);
        return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      };
    }
    out.push({ name, dtype: t.dtype, shape: [...t.shape], bytes, byteLength: numel * WRITE_BYTES[t.dtype] });
  }
  // Larger dtypes first, then by name (as the reference writer): every tensor starts aligned to
  // its element size, since the header is padded to a multiple of 8.
  out.sort((a, b) => WRITE_BYTES[b.dtype] - WRITE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

function buildHeader(file: string, prepared: PreparedTensor[], metadata: Record<string, string> | undefined): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsInputError(file, `metadata["${k}"] must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const t of prepared) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] };
    offset += t.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20); // pad with spaces, as the reference writer does
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** Serializes tensors (and optional string metadata) to safetensors bytes in memory. */
export function serializeSafetensors(
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  assertLittleEndianHost();
  const prepared = prepare('<buffer>', tensors);
  const head = buildHeader('<buffer>', prepared, metadata);
  const total = head.length + prepared.reduce((s, t) => s + t.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(head, 0);
  let pos = head.length;
  for (const t of prepared) {
    out.set(t.bytes(), pos);
    pos += t.byteLength;
  }
  return out;
}

/**
 * Writes tensors (and optional string metadata) to `path` atomically: the bytes go to a temporary
 * file in the same directory, which is fsynced and renamed over `path`, so a crash never leaves a
 * half-written file under the final name. Temporaries of earlier killed writes are removed first.
 */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  assertLittleEndianHost();
  const prepared = prepare(path, tensors);
  const head = buildHeader(path, prepared, metadata);
  removeStaleTemporaries(path);
  await streamFileAtomically(path, async (fh) => {
    await fh.write(head, 0, head.length);
    for (const t of prepared) {
      const b = t.bytes();
      let done = 0;
      while (done < b.length) {
        const { bytesWritten } = await fh.write(b, done, Math.min(1 << 30, b.length - done));
        done += bytesWritten;
      }
    }
  });
}
