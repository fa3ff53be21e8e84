/**
 * IDX files (MNIST, Fashion-MNIST, EMNIST, KMNIST ...), gzip-compressed or raw. Header: two zero
 * bytes, a type byte (0x08 = unsigned byte, the only type these data sets use), the number of
 * dimensions, then each dimension as a big-endian uint32; then the data, row-major. Images are
 * magic 0x00000803 (count, rows, cols), labels 0x00000801 (count).
 */

import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { ImageDataError } from '../errors.js';
import { type ImageSet, makeImageSet } from './image-set.js';

const gunzip = promisify(gunzipCb);

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export interface IdxArray {
  dims: number[];
  /** prod(dims) unsigned bytes (a view on the file's bytes). */
  data: Uint8Array;
}

/** Parses uncompressed IDX bytes of type unsigned byte. `file` names the file in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new ImageDataError(file, `only ${bytes.length} bytes; not an IDX file`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new ImageDataError(file, `starts with 0x${hex(bytes[0])}${hex(bytes[1])}, not 0x0000: not an IDX file`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new ImageDataError(
      file,
      name ? `holds ${name} values; only unsigned-byte IDX files are read` : `has unknown IDX type 0x${hex(type)}`,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new ImageDataError(file, 'IDX header says 0 dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new ImageDataError(file, 'ends inside the IDX header (truncated?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerBytes;
  if (have < size) {
    throw new ImageDataError(file, `header promises ${dims.join('x')} = ${size} values but only ${have} bytes follow (truncated?)`);
  }
  if (have > size) {
    throw new ImageDataError(file, `${have - size} bytes follow the ${dims.join('x')} values (not an IDX file?)`);
  }
  return { dims, data: bytes.subarray(headerBytes, headerBytes + size) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** A file's bytes, gunzipped when they start with the gzip magic. */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw new ImageDataError(path, `cannot read the file (${(e as Error).message})`, 'check the path');
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return await gunzip(raw);
    } catch (e) {
      throw new ImageDataError(path, `gzip data is damaged (${(e as Error).message}; truncated download?)`);
    }
  }
  return raw;
}

/** Reads an IDX file (gzip or raw). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await readMaybeGzip(path), path);
}

/** Checks an IDX array is images (magic 0x803: count x rows x cols). */
export function idxImages(arr: IdxArray, file: string): { count: number; height: number; width: number; pixels: Uint8Array } {
  if (arr.dims.length !== 3) {
    throw new ImageDataError(file, `is IDX magic 0x80${arr.dims.length} (${arr.dims.length} dims), expected images (0x803)`);
  }
  const [count, height, width] = arr.dims;
  return { count, height, width, pixels: arr.data };
}

/** Checks an IDX array is labels (magic 0x801: count). */
export function idxLabels(arr: IdxArray, file: string): Int32Array {
  if (arr.dims.length !== 1) {
    throw new ImageDataError(file, `is IDX magic 0x80${arr.dims.length} (${arr.dims.length} dims), expected labels (0x801)`);
  }
  return Int32Array.from(arr.data);
}

export interface ReadIdxOptions {
  classNames?: readonly string[];
}

/** An image IDX file and its label IDX file as a one-channel ImageSet. */
export async function readIdxPair(imagesPath: string, labelsPath: string, options: ReadIdxOptions = {}): Promise<ImageSet> {
  const [imgArr, labArr] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  const img = idxImages(imgArr, imagesPath);
  const labels = idxLabels(labArr, labelsPath);
  if (labels.length !== img.count) {
    throw new ImageDataError(labelsPath, `has ${labels.length} labels but ${imagesPath} has ${img.count} images`);
  }
  const names = options.classNames;
  if (names) {
    const bad = labels.findIndex((l) => l >= names.length);
    if (bad >= 0) throw new ImageDataError(labelsPath, `label ${bad} is ${labels[bad]}; expected 0..${names.length - 1}`);
  }
  return makeImageSet({
    images: img.pixels.byteOffset === 0 && img.pixels.length === img.pixels.buffer.byteLength ? img.pixels : img.pixels.slice(),
    labels,
    height: img.height,
    width: img.width,
    channels: 1,
    ...(names ? { classNames: [...names] } : {}),
  });
}
