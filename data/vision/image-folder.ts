/**
 * Image folders: one subfolder per class holding PNG/JPEG files (torchvision's ImageFolder layout),
 * either on disk or inside a .tar/.tar.gz archive. Labels follow `classNames` if given, else the
 * subfolder names sorted; images are ordered by label, then by path. All images must come out the
 * same size: give `resize` when they differ.
 *
 * PNG/JPEG (and whatever else libvips reads) decoding goes through `sharp`, loaded lazily so that
 * the rest of data/vision works without it. A missing sharp is an ImageDecoderUnavailableError that
 * says what to install; a damaged image is an ImageDataError naming it.
 */

import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ImageDataError, ImageDecoderUnavailableError } from '../errors.js';
import { type ImageSet, makeImageSet } from './image-set.js';
import { readTarFile } from './sources.js';

// ---- decoding one image

/** The part of sharp's API used here (typed locally so this compiles without sharp's types). */
interface SharpPipeline {
  removeAlpha(): SharpPipeline;
  grayscale(): SharpPipeline;
  toColourspace(space: string): SharpPipeline;
  resize(width: number, height: number, options: { fit: string }): SharpPipeline;
  raw(): SharpPipeline;
  metadata(): Promise<{ width?: number; height?: number; channels?: number; hasAlpha?: boolean }>;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
type SharpFactory = ((input: Uint8Array, options?: { failOn?: string }) => SharpPipeline) & {
  cache?: (enable: boolean) => unknown;
};

const loaded = new Map<string, Promise<SharpFactory>>();

/** Loads sharp (or the named module, for tests); throws ImageDecoderUnavailableError if it cannot. */
export function loadImageDecoder(moduleName = 'sharp'): Promise<SharpFactory> {
  let p = loaded.get(moduleName);
  if (!p) {
    p = (async () => {
      try {
        const mod = (await import(moduleName)) as { default?: SharpFactory };
        const factory = (mod.default ?? mod) as SharpFactory;
        if (typeof factory !== 'function') throw new Error(`${moduleName} did not export a function`);
        factory.cache?.(false); // decoding each file once: libvips' operation cache only costs memory
        return factory;
      } catch (e) {
        throw new ImageDecoderUnavailableError(e);
      }
    })();
    p.catch(() => loaded.delete(moduleName));
    loaded.set(moduleName, p);
  }
  return p;
}

/** Whether sharp can be loaded here. */
export async function imageDecoderAvailable(): Promise<boolean> {
  return loadImageDecoder().then(
    () => true,
    () => false,
  );
}

export interface DecodedImage {
  /** height * width * channels bytes, HWC. */
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

export interface DecodeOptions {
  /** 1 (grayscale, ITU-R BT.601 luma) or 3 (sRGB); default: 3 for colour images, 1 for grayscale ones. Alpha is dropped. */
  channels?: 1 | 3;
  /** Resize to this size (libvips, Lanczos); `fit` as in sharp: 'cover' crops to keep the aspect (default), 'fill' stretches. */
  resize?: { height: number; width: number; fit?: 'cover' | 'fill' | 'contain' };
}

/** The channel count (without alpha) of an encoded image, from its header. */
export async function probeChannels(bytes: Uint8Array, label: string): Promise<1 | 3> {
  const sharp = await loadImageDecoder();
  try {
    const meta = await sharp(bytes).metadata();
    const c = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
    return c <= 1 ? 1 : 3;
  } catch (e) {
    throw new ImageDataError(label, `cannot decode the image (${(e as Error).message})`, 'the file is damaged or not an image');
  }
}

/** Decodes one image to uint8 HWC. `label` (its path) names it in errors. */
export async function decodeImage(bytes: Uint8Array, label: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const sharp = await loadImageDecoder();
  const channels = options.channels ?? (await probeChannels(bytes, label));
  try {
    let pipe = sharp(bytes, { failOn: 'warning' }).removeAlpha();
    pipe = channels === 1 ? pipe.grayscale() : pipe.toColourspace('srgb');
    if (options.resize) pipe = pipe.resize(options.resize.width, options.resize.height, { fit: options.resize.fit ?? 'cover' });
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      throw new Error(`decoder returned ${info.channels} channels where ${channels} were asked for`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: info.height, width: info.width, channels };
  } catch (e) {
    throw new ImageDataError(label, `cannot decode the image (${(e as Error).message})`, 'the file is damaged or not an image');
  }
}

// ---- folders of images

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export interface ImageFolderOptions extends DecodeOptions {
  /** Class names in label order; default: the class folders found, sorted. Other folders are an error. */
  classNames?: readonly string[];
  /** File extensions read (lower case, with the dot); default .png .jpg .jpeg. Other files are skipped. */
  extensions?: readonly string[];
  /** Images decoded at once (default 32). */
  concurrency?: number;
  /** Called after each decoded image. */
  onProgress?: (decoded: number) => void;
}

interface Item {
  className: string;
  path: string;
  image: DecodedImage;
}

/** Decodes with at most `concurrency` images in flight, keeping every result. */
class DecodePool {
  private readonly inFlight: Promise<void>[] = [];
  readonly items: Item[] = [];
  private channels: 1 | 3 | undefined;
  private decoded = 0;
  constructor(private readonly options: ImageFolderOptions) {
    this.channels = options.channels;
  }

  async add(className: string, path: string, bytes: Uint8Array): Promise<void> {
    // The first image fixes the channel count when the caller did not.
    if (this.channels === undefined) this.channels = await probeChannels(bytes, path);
    const task = decodeImage(bytes, path, { ...this.options, channels: this.channels }).then((image) => {
      this.items.push({ className, path, image });
      this.options.onProgress?.(++this.decoded);
    });
    task.catch(() => undefined); // failures surface when awaited below, not as unhandled rejections
    this.inFlight.push(task);
    if (this.inFlight.length >= (this.options.concurrency ?? 32)) await this.inFlight.shift();
  }

  async finish(): Promise<Item[]> {
    await Promise.all(this.inFlight);
    this.inFlight.length = 0;
    return this.items;
  }
}

function assemble(items: Item[], classNames: string[], source: string): ImageSet {
  const index = new Map(classNames.map((c, i) => [c, i]));
  items.sort((a, b) => index.get(a.className)! - index.get(b.className)! || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (items.length === 0) throw new ImageDataError(source, 'no images found', 'expected <root>/<class>/<image>.png|.jpg');
  const { height, width, channels } = items[0].image;
  const size = height * width * channels;
  const images = new Uint8Array(items.length * size);
  const labels = new Int32Array(items.length);
  items.forEach((it, i) => {
    const im = it.image;
    if (im.height !== height || im.width !== width || im.channels !== channels) {
      throw new ImageDataError(
        it.path,
        `is ${im.height}x${im.width}x${im.channels} but ${items[0].path} is ${height}x${width}x${channels}`,
        'pass the "resize" option so that every image comes out the same size',
      );
    }
    images.set(im.data, i * size);
    labels[i] = index.get(it.className)!;
  });
  return makeImageSet({ images, labels, height, width, channels, classNames });
}

function resolveClasses(found: Iterable<string>, given: readonly string[] | undefined, source: string): string[] {
  const names = [...new Set(found)].sort();
  if (!given) return names;
  const unknown = names.filter((n) => !given.includes(n));
  if (unknown.length > 0) {
    throw new ImageDataError(source, `has class folder(s) ${unknown.join(', ')} not in classNames [${given.join(', ')}]`);
  }
  return [...given];
}

const isImage = (name: string, exts: readonly string[]) => exts.includes(extname(name).toLowerCase());

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Reads `root/<class>/**\/<image>` from disk. */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageSet> {
  await loadImageDecoder(); // fail early, with what to install
  const exts = options.extensions ?? IMAGE_EXTENSIONS;
  let top;
  try {
    top = await readdir(root, { withFileTypes: true });
  } catch (e) {
    throw new ImageDataError(root, `cannot list the folder (${(e as Error).message})`, 'check the path');
  }
  const classDirs = top.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  const classNames = resolveClasses(classDirs, options.classNames, root);
  const pool = new DecodePool(options);
  for (const cls of classDirs.sort()) {
    const files: string[] = [];
    await walk(join(root, cls), files);
    for (const f of files.filter((f) => isImage(f, exts)).sort()) {
      await pool.add(cls, f, await readFile(f));
    }
  }
  return assemble(await pool.finish(), classNames, root);
}

export interface ImageFolderArchiveOptions extends ImageFolderOptions {
  /** Member path prefix of the class folders, e.g. "cifar10-jpg/train" (no trailing slash). */
  root: string;
}

/** Reads `<root>/<class>/**\/<image>` members of a .tar or .tar.gz archive, streaming it once. */
export async function readImageFolderArchive(archive: string, options: ImageFolderArchiveOptions): Promise<ImageSet> {
  await loadImageDecoder();
  const exts = options.extensions ?? IMAGE_EXTENSIONS;
  const prefix = options.root.replace(/\/+$/, '') + '/';
  const pool = new DecodePool(options);
  const found = new Set<string>();
  for await (const entry of readTarFile(archive)) {
    if (entry.type !== 'file' || !entry.path.startsWith(prefix)) continue;
    const rest = entry.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || !isImage(rest, exts) || rest.split('/').some((p) => p.startsWith('.'))) continue;
    const cls = rest.slice(0, slash);
    found.add(cls);
    await pool.add(cls, `${archive}:${entry.path}`, await entry.read());
  }
  const items = await pool.finish();
  if (items.length === 0) {
    throw new ImageDataError(archive, `no images under "${prefix}"`, 'check the "root" option against the archive listing (tar tzf)');
  }
  return assemble(items, resolveClasses(found, options.classNames, archive), archive);
}
