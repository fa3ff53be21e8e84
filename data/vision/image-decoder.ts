/**
 * PNG/JPEG (and whatever else libvips reads) decoding through `sharp`, loaded lazily so that the
 * rest of data/vision works without it. A missing sharp is an ImageDecoderUnavailableError that
 * says what to install; a damaged image is an ImageDataError naming it.
 */

import { ImageDataError, ImageDecoderUnavailableError } from '../errors.js';

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
