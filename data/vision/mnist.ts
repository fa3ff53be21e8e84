/**
 * MNIST and Fashion-MNIST: from a local directory of IDX files (gzip or raw), from Debian's
 * `dataset-fashion-mnist` package (/usr/share/datasets/fashion-mnist), or downloaded into the cache
 * and checked against the published MD5s.
 */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type DownloadOptions, type RemoteFile, ensureDownloaded } from '../fetch/index.js';
import { ImageDataError } from '../errors.js';
import type { ImageSet } from './image-set.js';
import { readIdxPair } from './idx.js';
import { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, MNIST_CLASSES, MNIST_FILES } from './sources.js';

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
