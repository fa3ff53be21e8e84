/**
 * ImageSet: a whole image data set in memory as one uint8 NHWC array plus int32 labels. Every
 * reader returns one; batches, augmentations and the trainer read from it.
 *
 * A decoded set can be saved as one uncompressed file, so that a set decoded from 60,000 JPEGs loads
 * again in a fraction of a second. Layout: "DEMIIMG1", uint32 LE length of a JSON header
 * {count, height, width, channels, classNames}, the JSON, count int32 LE labels, then the NHWC bytes.
 */

import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { streamFileAtomically } from '../../core/index.js';
import { ImageDataError } from '../errors.js';

/** N images of height x width x channels, uint8, NHWC (row-major, channels last), with labels. */
export interface ImageSet {
  /** count * height * width * channels bytes. */
  images: Uint8Array;
  /** count labels, 0-based class indices; -1 for unlabeled images (STL-10's unlabeled split). */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Class names by label index, where the data set has them. */
  classNames?: string[];
}

/** Checks the fields agree and returns the set (throws RangeError naming the mismatch). */
export function makeImageSet(fields: Omit<ImageSet, 'count'> & { count?: number }): ImageSet {
  const { images, labels, height, width, channels, classNames } = fields;
  const count = fields.count ?? labels.length;
  for (const [k, v] of Object.entries({ count, height, width, channels })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`ImageSet: ${k} must be a non-negative integer, got ${v}`);
  }
  if (labels.length !== count) {
    throw new RangeError(`ImageSet: ${labels.length} labels for ${count} images`);
  }
  const expected = count * height * width * channels;
  if (images.length !== expected) {
    throw new RangeError(
      `ImageSet: images has ${images.length} bytes, expected ${count}x${height}x${width}x${channels} = ${expected}`,
    );
  }
  if (classNames !== undefined) {
    for (let i = 0; i < count; i++) {
      if (labels[i] >= classNames.length || labels[i] < -1) {
        throw new RangeError(`ImageSet: label ${labels[i]} of image ${i} is outside 0..${classNames.length - 1}`);
      }
    }
  }
  const set: ImageSet = { images, labels, count, height, width, channels };
  if (classNames !== undefined) set.classNames = classNames;
  return set;
}

/** Bytes per image. */
export function imageSize(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * set.channels;
}

/** One image's bytes (a view, not a copy). */
export function imageAt(set: ImageSet, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new RangeError(`imageAt: index ${index} is outside 0..${set.count - 1}`);
  }
  const size = imageSize(set);
  return set.images.subarray(index * size, (index + 1) * size);
}

/** A new set holding copies of the chosen images, in the order given. */
export function subsetImageSet(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = imageSize(set);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    images.set(imageAt(set, indices[i]), i * size);
    labels[i] = set.labels[indices[i]];
  }
  return makeImageSet({ ...shapeOf(set), images, labels, classNames: set.classNames });
}

/** Images [start, end) as a view on the same bytes (no copy). */
export function sliceImageSet(set: ImageSet, start: number, end = set.count): ImageSet {
  const s = Math.max(0, Math.min(start, set.count));
  const e = Math.max(s, Math.min(end, set.count));
  const size = imageSize(set);
  return makeImageSet({
    ...shapeOf(set),
    images: set.images.subarray(s * size, e * size),
    labels: set.labels.subarray(s, e),
    classNames: set.classNames,
  });
}

/** The sets one after another (same image shape; class names taken from the first that has them). */
export function concatImageSets(sets: ImageSet[]): ImageSet {
  if (sets.length === 0) throw new RangeError('concatImageSets: no sets');
  const [first] = sets;
  for (const s of sets) {
    if (s.height !== first.height || s.width !== first.width || s.channels !== first.channels) {
      throw new RangeError(
        `concatImageSets: shapes differ (${first.height}x${first.width}x${first.channels} vs ` +
          `${s.height}x${s.width}x${s.channels})`,
      );
    }
  }
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * imageSize(first));
  const labels = new Int32Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * imageSize(first));
    labels.set(s.labels, at);
    at += s.count;
  }
  return makeImageSet({ ...shapeOf(first), images, labels, classNames: sets.find((s) => s.classNames)?.classNames });
}

/** Images per label (label -1, unlabeled, is counted under key -1). */
export function classCounts(set: Pick<ImageSet, 'labels'>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const l of set.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return new Map([...counts.entries()].sort((a, b) => a[0] - b[0]));
}

function shapeOf(set: ImageSet): { height: number; width: number; channels: number } {
  return { height: set.height, width: set.width, channels: set.channels };
}

// ---- saved as one file

const MAGIC = 'DEMIIMG1';

/** Writes `set` to `path` (through a temporary file and a rename). */
export async function writeImageSetFile(path: string, set: ImageSet): Promise<void> {
  const header = Buffer.from(
    JSON.stringify({ count: set.count, height: set.height, width: set.width, channels: set.channels, classNames: set.classNames }),
  );
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(header.length, MAGIC.length);
  const labels = Buffer.alloc(4 * set.count);
  for (let i = 0; i < set.count; i++) labels.writeInt32LE(set.labels[i], 4 * i);
  await mkdir(dirname(path), { recursive: true });
  await streamFileAtomically(path, (fh) => fh.writeFile(Buffer.concat([head, header, labels, set.images])));
}

/** Reads a file written by writeImageSetFile. */
export async function readImageSetFile(path: string): Promise<ImageSet> {
  const buf = await readFile(path).catch((e: Error) => {
    throw new ImageDataError(path, `cannot read the file (${e.message})`);
  });
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new ImageDataError(path, `does not start with ${MAGIC}`, 'delete it; it will be rebuilt');
  }
  const hlen = buf.readUInt32LE(MAGIC.length);
  let at = MAGIC.length + 4;
  let meta: { count: number; height: number; width: number; channels: number; classNames?: string[] };
  try {
    meta = JSON.parse(buf.toString('utf8', at, at + hlen));
  } catch {
    throw new ImageDataError(path, 'header is not valid JSON (truncated?)', 'delete it; it will be rebuilt');
  }
  at += hlen;
  const expected = at + 4 * meta.count + meta.count * meta.height * meta.width * meta.channels;
  if (buf.length !== expected) {
    throw new ImageDataError(path, `is ${buf.length} bytes, header implies ${expected} (truncated?)`, 'delete it; it will be rebuilt');
  }
  const labels = new Int32Array(meta.count);
  for (let i = 0; i < meta.count; i++) labels[i] = buf.readInt32LE(at + 4 * i);
  at += 4 * meta.count;
  const images = new Uint8Array(buf.buffer, buf.byteOffset + at, buf.length - at);
  return makeImageSet({ ...meta, images, labels });
}
