/**
 * Loads the image set a vision run or probe names (DESIGN §9): CIFAR-10 binary (downloaded with
 * checksum into the cache), the CIFAR-10 JPEG copy (for machines without the binary set; lossy),
 * STL-10 binary, MNIST / Fashion-MNIST IDX, or an image folder (class subfolders, or a .tar/.tar.gz
 * of one with `root`). `maxImages` keeps a seeded random subset (stable for a given seed).
 */
import { SeededRandom } from '../../core/index.js';
import {
  loadCifar10, loadCifar10Jpeg, loadFashionMnist, loadMnist, loadStl10, readImageFolder, readImageFolderArchive,
  subsetImageSet, type ImageSet, type Cifar10Split, type IdxSplit, type Stl10Split,
} from '../../data/vision/index.js';
import type { DatasetSpec } from './config.js';
import { VisionError } from '../errors.js';

export interface LoadOptions {
  /** image-folder: resize every image to this square size (the encoder input). */
  imageSize?: number;
  /** Seed of the subset drawn when maxImages is below the split size. */
  seed?: number;
}

function checkSplit<T extends string>(spec: DatasetSpec, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(spec.split)) {
    throw new VisionError(`dataset ${spec.name} has no split '${spec.split}': choose one of ${allowed.join(', ')}`);
  }
  return spec.split as T;
}

async function loadWhole(spec: DatasetSpec, options: LoadOptions): Promise<ImageSet> {
  switch (spec.name) {
    case 'cifar10':
      return loadCifar10({ split: checkSplit<Cifar10Split>(spec, ['train', 'test']), cacheDir: spec.cacheDir });
    case 'cifar10-jpeg':
      if (!spec.path) throw new VisionError('dataset cifar10-jpeg needs path: the cifar10-jpg.tar.gz archive (--data-path PATH, or data.train.path in the config)');
      return loadCifar10Jpeg({ archive: spec.path, split: checkSplit<Cifar10Split>(spec, ['train', 'test']), cacheDir: spec.cacheDir });
    case 'stl10':
      return loadStl10({ split: checkSplit<Stl10Split>(spec, ['train', 'test', 'unlabeled', 'train+unlabeled']), unlabeledLimit: spec.unlabeledLimit, cacheDir: spec.cacheDir });
    case 'fashion-mnist':
      return loadFashionMnist({ split: checkSplit<IdxSplit>(spec, ['train', 'test']), dir: spec.path, cacheDir: spec.cacheDir });
    case 'mnist':
      return loadMnist({ split: checkSplit<IdxSplit>(spec, ['train', 'test']), dir: spec.path, cacheDir: spec.cacheDir });
    case 'image-folder': {
      if (!spec.path) throw new VisionError('dataset image-folder needs path (--data-path, or data.train.path): a folder of class subfolders, or a .tar/.tar.gz of one (split = the member prefix)');
      const resize = options.imageSize ? { height: options.imageSize, width: options.imageSize, fit: 'cover' as const } : undefined;
      if (/\.tar(\.gz)?$|\.tgz$/.test(spec.path)) return readImageFolderArchive(spec.path, { root: spec.split, resize });
      return readImageFolder(spec.path, { resize });
    }
    default:
      throw new VisionError(`unknown dataset '${String(spec.name)}'`);
  }
}

export async function loadVisionDataset(spec: DatasetSpec, options: LoadOptions = {}): Promise<ImageSet> {
  const set = await loadWhole(spec, options);
  if (spec.maxImages === undefined || spec.maxImages >= set.count) return set;
  return subsetImageSet(set, seededSubset(set.count, spec.maxImages, options.seed ?? 0));
}

/** `k` distinct indices of 0..n-1 (a seeded partial shuffle), in their shuffled order. */
export function seededSubset(n: number, k: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new SeededRandom(seed);
  for (let i = 0; i < Math.min(k, n - 1); i++) {
    const j = i + rng.int(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.slice(0, k);
}
