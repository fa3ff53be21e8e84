/**
 * MNIST and Fashion-MNIST: from a local directory of IDX files (gzip or raw), from Debian's
 * `dataset-fashion-mnist` package (/usr/share/datasets/fashion-mnist), or downloaded into the cache
 * and checked against the published MD5s.
 *
 * IDX files (MNIST, Fashion-MNIST, EMNIST, KMNIST ...), gzip-compressed or raw. Header: two zero
 * bytes, a type byte (0x08 = unsigned byte, the only type these data sets use), the number of
 * dimensions, then each dimension as a big-endian uint32; then the data, row-major. Images are
 * magic 0x00000803 (count, rows, cols), labels 0x00000801 (count).
 */

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { type DownloadOptions, type RemoteFile, ensureDownloaded } from '../fetch/index.js';
import { ImageDataError } from '../errors.js';
import { type ImageSet, makeImageSet } from './image-set.js';
import { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, MNIST_CLASSES, MNIST_FILES } from './sources.js';

// ---- IDX files

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

// ---- MNIST and Fashion-MNIST

export type IdxSplit = 'train' | 'test';

const STEMS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function findOne(dir: string, stem: string): Promise<string | undefined> {
  // The usual names, and the "train-images.idx3-ubyte" spelling some mirrors use.
  const dotted = stem.replace(/-(idx\d)/, '.$1');
  for (const name of [`${stem}.gz`, stem, `${dotted}.gz`, dotted]) {
    if (await isFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The image and label IDX files of a split in `dir`, or undefined if either is missing. */
export async function findIdxPair(dir: string, split: IdxSplit): Promise<{ images: string; labels: string } | undefined> {
  const images = await findOne(dir, STEMS[split].images);
  const labels = await findOne(dir, STEMS[split].labels);
  return images && labels ? { images, labels } : undefined;
}

/** Debian's Fashion-MNIST directory if the package is installed (both splits present), else undefined. */
export async function findDebianFashionMnist(dir = DEBIAN_FASHION_MNIST_DIR): Promise<string | undefined> {
  const ok = (await findIdxPair(dir, 'train')) && (await findIdxPair(dir, 'test'));
  return ok ? dir : undefined;
}

export interface LoadIdxDatasetOptions extends DownloadOptions {
  split: IdxSplit;
  /** Read from this directory (no download, no checksum: local copies may be re-compressed). */
  dir?: string;
  /** Download when no local copy is found (default true). */
  download?: boolean;
}

async function readFromDir(dir: string, split: IdxSplit, classNames: readonly string[], what: string): Promise<ImageSet> {
  const pair = await findIdxPair(dir, split);
  if (!pair) {
    throw new ImageDataError(
      dir,
      `no ${STEMS[split].images}[.gz] and ${STEMS[split].labels}[.gz] pair for ${what} ${split}`,
      'point "dir" at the folder holding the IDX files, or leave it out to download them',
    );
  }
  return readIdxPair(pair.images, pair.labels, { classNames });
}

async function download(
  files: Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', RemoteFile>,
  split: IdxSplit,
  subdir: string,
  options: LoadIdxDatasetOptions,
  classNames: readonly string[],
): Promise<ImageSet> {
  const cacheOpts = { ...options, subdir: options.subdir ?? subdir };
  const imgs = await ensureDownloaded(split === 'train' ? files.trainImages : files.testImages, cacheOpts);
  const labs = await ensureDownloaded(split === 'train' ? files.trainLabels : files.testLabels, cacheOpts);
  return readIdxPair(imgs, labs, { classNames });
}

/** MNIST (60,000 train / 10,000 test, 28x28x1): from `dir`, else downloaded into the cache ("mnist"). */
export async function loadMnist(options: LoadIdxDatasetOptions): Promise<ImageSet> {
  if (options.dir) return readFromDir(options.dir, options.split, MNIST_CLASSES, 'MNIST');
  if (options.download === false) throw new ImageDataError('MNIST', 'no "dir" given and downloading is off');
  return download(MNIST_FILES, options.split, 'mnist', options, MNIST_CLASSES);
}

/**
 * Fashion-MNIST (60,000 / 10,000, 28x28x1): from `dir`; else from Debian's package directory
 * (apt-get install dataset-fashion-mnist); else downloaded into the cache ("fashion-mnist").
 */
export async function loadFashionMnist(options: LoadIdxDatasetOptions): Promise<ImageSet> {
  if (options.dir) return readFromDir(options.dir, options.split, FASHION_MNIST_CLASSES, 'Fashion-MNIST');
  const debian = await findDebianFashionMnist();
  if (debian) return readFromDir(debian, options.split, FASHION_MNIST_CLASSES, 'Fashion-MNIST');
  if (options.download === false) {
    throw new ImageDataError(
      DEBIAN_FASHION_MNIST_DIR,
      'Fashion-MNIST is not installed there and downloading is off',
      'apt-get install dataset-fashion-mnist, or pass "dir"',
    );
  }
  return download(FASHION_MNIST_FILES, options.split, 'fashion-mnist', options, FASHION_MNIST_CLASSES);
}
