/**
 * STL-10, binary version (stl10_binary.tar.gz -> stl10_binary/): train_X.bin (5,000 images),
 * train_y.bin, test_X.bin (8,000), test_y.bin, unlabeled_X.bin (100,000), fold_indices.txt.
 * Images are 96x96x3 uint8 stored column-major per channel (byte c*9216 + x*96 + y is channel c,
 * column x, row y), converted here to HWC. Labels are bytes 1..10, returned as 0..9; unlabeled
 * images get label -1 (as DIM's code does for the train+unlabeled split).
 */

import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type DownloadOptions, cacheSubdir, ensureDownloaded } from '../fetch/index.js';
import { ImageDataError } from '../errors.js';
import { type ImageSet, concatImageSets, makeImageSet } from './image-set.js';
import { STL10_BINARY, STL10_CLASSES, extractTar } from './sources.js';

const SIDE = 96;
const PLANE = SIDE * SIDE;
export const STL10_IMAGE_BYTES = 3 * PLANE;
const EXPECTED = { train: 5000, test: 8000, unlabeled: 100000 } as const;

export type Stl10Split = 'train' | 'test' | 'unlabeled' | 'train+unlabeled';

/** Converts `count` column-major CHW images to HWC, writing into `out` from image `outIndex`. */
function convertStl(src: Uint8Array, count: number, out: Uint8Array, outIndex: number): void {
  for (let n = 0; n < count; n++) {
    const s = n * STL10_IMAGE_BYTES;
    const o = (outIndex + n) * STL10_IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const plane = s + c * PLANE;
      for (let x = 0; x < SIDE; x++) {
        const col = plane + x * SIDE;
        for (let y = 0; y < SIDE; y++) out[o + (y * SIDE + x) * 3 + c] = src[col + y];
      }
    }
  }
}

/** Parses STL-10 image bytes (whole images; `file` names it in errors) to HWC. */
export function parseStl10Images(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length % STL10_IMAGE_BYTES !== 0) {
    throw new ImageDataError(
      file,
      `size ${bytes.length} bytes is not a multiple of the ${STL10_IMAGE_BYTES}-byte STL-10 image (truncated?)`,
    );
  }
  const count = bytes.length / STL10_IMAGE_BYTES;
  const out = new Uint8Array(bytes.length);
  convertStl(bytes, count, out, 0);
  return out;
}

/** Parses an STL-10 label file (bytes 1..10) to 0..9. */
export function parseStl10Labels(bytes: Uint8Array, file: string): Int32Array {
  const labels = new Int32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] < 1 || bytes[i] > 10) {
      throw new ImageDataError(file, `label ${i} is ${bytes[i]}; STL-10 labels are 1..10`);
    }
    labels[i] = bytes[i] - 1;
  }
  return labels;
}

export interface ReadStl10ImagesOptions {
  /** First image to read (default 0). */
  offset?: number;
  /** At most this many images (default: all). unlabeled_X.bin is 2.76 GB; limit it where memory is short. */
  limit?: number;
}

/** Reads images from an STL-10 *_X.bin file in 1,000-image chunks (never the whole file at once). */
export async function readStl10Images(path: string, options: ReadStl10ImagesOptions = {}): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new ImageDataError(path, `cannot read the file (${(e as Error).message})`, 'extract stl10_binary.tar.gz there, or use loadStl10() to download it');
  }
  if (size % STL10_IMAGE_BYTES !== 0) {
    throw new ImageDataError(
      path,
      `size ${size} bytes is not a multiple of the ${STL10_IMAGE_BYTES}-byte STL-10 image (truncated?)`,
    );
  }
  const total = size / STL10_IMAGE_BYTES;
  const offset = Math.min(options.offset ?? 0, total);
  const count = Math.min(options.limit ?? total, total - offset);
  const out = new Uint8Array(count * STL10_IMAGE_BYTES);
  const CHUNK = 1000;
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(count, 1)) * STL10_IMAGE_BYTES);
  const fh = await open(path, 'r');
  try {
    for (let done = 0; done < count; ) {
      const n = Math.min(CHUNK, count - done);
      const want = n * STL10_IMAGE_BYTES;
      const { bytesRead } = await fh.read(buf, 0, want, (offset + done) * STL10_IMAGE_BYTES);
      if (bytesRead !== want) throw new ImageDataError(path, `short read at image ${offset + done} (file changed while reading?)`);
      convertStl(buf, n, out, done);
      done += n;
    }
  } finally {
    await fh.close();
  }
  return out;
}

export interface ReadStl10Options {
  split: Stl10Split;
  /** Limit on unlabeled images (see ReadStl10ImagesOptions.limit). */
  unlabeledLimit?: number;
}

async function readLabelled(dir: string, which: 'train' | 'test'): Promise<ImageSet> {
  const xPath = join(dir, `${which}_X.bin`);
  const yPath = join(dir, `${which}_y.bin`);
  const images = await readStl10Images(xPath);
  let yBytes: Buffer;
  try {
    yBytes = await readFile(yPath);
  } catch (e) {
    throw new ImageDataError(yPath, `cannot read the file (${(e as Error).message})`);
  }
  const labels = parseStl10Labels(yBytes, yPath);
  const count = images.length / STL10_IMAGE_BYTES;
  if (labels.length !== count) {
    throw new ImageDataError(yPath, `has ${labels.length} labels but ${xPath} has ${count} images`);
  }
  return makeImageSet({ images, labels, height: SIDE, width: SIDE, channels: 3, classNames: [...STL10_CLASSES] });
}

async function readUnlabeled(dir: string, limit?: number): Promise<ImageSet> {
  const images = await readStl10Images(join(dir, 'unlabeled_X.bin'), { limit });
  const labels = new Int32Array(images.length / STL10_IMAGE_BYTES).fill(-1);
  return makeImageSet({ images, labels, height: SIDE, width: SIDE, channels: 3, classNames: [...STL10_CLASSES] });
}

/** Reads a split from an extracted `stl10_binary` directory. */
export async function readStl10Dir(dir: string, options: ReadStl10Options): Promise<ImageSet> {
  switch (options.split) {
    case 'train':
    case 'test':
      return readLabelled(dir, options.split);
    case 'unlabeled':
      return readUnlabeled(dir, options.unlabeledLimit);
    case 'train+unlabeled':
      return concatImageSets([await readLabelled(dir, 'train'), await readUnlabeled(dir, options.unlabeledLimit)]);
    default:
      throw new RangeError(`readStl10Dir: unknown split ${String(options.split)}`);
  }
}

/**
 * The ten predefined training folds (fold_indices.txt: one line per fold of 0-based indices into
 * train_X.bin, 1,000 each).
 */
export async function readStl10Folds(dir: string): Promise<Int32Array[]> {
  const path = join(dir, 'fold_indices.txt');
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new ImageDataError(path, `cannot read the file (${e.message})`);
  });
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const nums = line.trim().split(/\s+/).map(Number);
      if (nums.some((v) => !Number.isInteger(v) || v < 0)) throw new ImageDataError(path, `line ${i + 1} is not a list of indices`);
      return Int32Array.from(nums);
    });
}

export interface LoadStl10Options extends DownloadOptions, ReadStl10Options {
  source?: typeof STL10_BINARY;
}

/**
 * STL-10 from the published binary archive: downloaded once into the cache (subdir "stl10";
 * 2.6 GB), checked against its MD5, extracted next to it (2.7 GB), then read.
 */
export async function loadStl10(options: LoadStl10Options): Promise<ImageSet> {
  const cacheOpts = { ...options, subdir: options.subdir ?? 'stl10' };
  const dir = join(cacheSubdir(cacheOpts), 'stl10_binary');
  const names = ['train_X.bin', 'train_y.bin', 'test_X.bin', 'test_y.bin', 'unlabeled_X.bin'];
  const present = await Promise.all(names.map((n) => stat(join(dir, n)).then(() => true, () => false)));
  if (options.force || present.some((p) => !p)) {
    const archive = await ensureDownloaded(options.source ?? STL10_BINARY, cacheOpts);
    const wanted = new Set([...names, 'class_names.txt', 'fold_indices.txt']);
    const written = await extractTar(archive, dir, (p) => wanted.has(p.split('/').pop() ?? ''));
    const missing = names.filter((n) => ![...written.keys()].some((p) => p.endsWith(n)));
    if (missing.length > 0) throw new ImageDataError(archive, `archive lacks ${missing.join(', ')}`);
  }
  return readStl10Dir(dir, options);
}

/** Image counts of the published splits (for checks). */
export const STL10_COUNTS = EXPECTED;
