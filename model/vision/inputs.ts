/**
 * What the vision trainer and probes feed the encoder: data sets loaded per config, augmented views
 * and subviews of a batch, and image batches as TF.js tensors (NHWC).
 */
import { SeededRandom } from '../../core/index.js';
import { loadCifar10, loadCifar10Jpeg, loadFashionMnist, loadMnist, loadStl10, readImageFolder, readImageFolderArchive, subsetImageSet, type ImageSet, type Cifar10Split, type IdxSplit, type Stl10Split, augmentView, demiViews, gatherBatch, type ImageBatch, type ViewAugmentOptions } from '../../data/vision/index.js';
import type { DatasetSpec, AugmentConfig } from './config.js';
import { VisionError } from '../errors.js';
import { tf } from '../engine/index.js';

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

// ---- views

/**
 * Network inputs from an ImageSet, as float32 NHWC in [-1, 1] (DIM's preprocessing), resized to the
 * encoder's input size:
 * - `evalInputs`: the images as they are (resized, no augmentation): validation, probes.
 * - `trainInputs`: DIM methods: one augmented view per image (default: none). infonce/demi: view x,
 *   and M nested subviews y(1) ⊂ ... ⊂ y(M) of a second view y (crops of increasing size, each
 *   inside the next, resized to the input size; y(M) = y), stacked as [x; y(1); ...; y(M)].
 * All randomness comes from the given SeededRandom.
 */
export interface InputBatch {
  /** viewsPerImage · count images, NHWC, in [-1, 1]. */
  data: Float32Array;
  count: number;
  viewsPerImage: number;
  size: number;
  channels: number;
}

export function viewOptions(augment: AugmentConfig, size: number): ViewAugmentOptions {
  const crop = augment.crop === 'none' ? { kind: 'none' as const }
    : augment.crop === 'random' ? { kind: 'random' as const, padding: augment.padding }
      : { kind: 'resized' as const, scale: augment.cropScale };
  const s = augment.jitter;
  return {
    height: size,
    width: size,
    crop,
    flip: augment.flip,
    colorJitter: s > 0 ? { brightness: s, contrast: s, saturation: s, hue: Math.min(0.5, s / 4), probability: augment.jitterProbability } : undefined,
    grayscale: augment.grayscale,
  };
}

function toSymmetric(batches: ImageBatch<Float32Array>[], out: Float32Array): void {
  let at = 0;
  for (const b of batches) {
    const d = b.data;
    for (let i = 0; i < d.length; i++) out[at + i] = d[i] * 2 - 1;
    at += d.length;
  }
}

const NO_RANDOM = new SeededRandom(0);

export function evalInputs(set: ImageSet, indices: ArrayLike<number>, size: number): InputBatch {
  const view = augmentView(gatherBatch(set, indices), NO_RANDOM, { height: size, width: size, crop: { kind: 'none' }, flip: 0 }).batch;
  const data = new Float32Array(view.data.length);
  toSymmetric([view], data);
  return { data, count: indices.length, viewsPerImage: 1, size, channels: set.channels };
}

export interface TrainViewOptions {
  augment: AugmentConfig;
  size: number;
  /** 0: DIM (one view); M >= 1: x and M nested subviews of y. */
  levels: number;
  /** Subview scales, smallest first, ending at 1 (default: linear from minScale). */
  scales?: number[];
  minScale: number;
}

export function trainInputs(set: ImageSet, indices: ArrayLike<number>, rng: SeededRandom, o: TrainViewOptions): InputBatch {
  const batch = gatherBatch(set, indices);
  const view = viewOptions(o.augment, o.size);
  let parts: ImageBatch<Float32Array>[];
  if (o.levels === 0) {
    parts = [augmentView(batch, rng, view).batch];
  } else {
    const scales = o.scales ?? (o.levels === 1 ? [1] : undefined);
    const v = demiViews(batch, rng, { x: view, subviews: { scales, count: o.levels, minScale: o.minScale, height: o.size, width: o.size } });
    parts = [v.x, ...v.subviews];
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  toSymmetric(parts, data);
  return { data, count: indices.length, viewsPerImage: parts.length, size: o.size, channels: set.channels };
}

// ---- image tensor

/** An image batch of data/vision as a TF.js tensor (NHWC): where images enter the engine. */
/** A float32 (or int32 for uint8 input) NHWC tensor of the batch. The caller disposes it. */
export function batchToTensor(batch: ImageBatch): tf.Tensor4D {
  const shape: [number, number, number, number] = [batch.count, batch.height, batch.width, batch.channels];
  return batch.data instanceof Float32Array
    ? tf.tensor4d(batch.data, shape, 'float32')
    : tf.tensor4d(Int32Array.from(batch.data), shape, 'int32');
}

/** Labels as an int32 tensor1d. */
export function labelsToTensor(labels: Int32Array): tf.Tensor1D {
  return tf.tensor1d(labels, 'int32');
}
