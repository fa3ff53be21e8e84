/**
 * Colour transforms on float images with values in [0, 1] (uint8 input is divided by 255 first).
 * Formulas follow torchvision's functional tensor ops, per image, with a clamp to [0, 1] after
 * each of brightness, contrast and saturation:
 *
 * - gray(p) = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601 luma; for one channel, the value itself)
 * - brightness f:  x' = clamp(f x)
 * - contrast f:    x' = clamp(f x + (1 - f) m), m = mean of gray over the whole image
 * - saturation f:  x' = clamp(f x + (1 - f) gray(pixel))          (3 channels only)
 * - hue d:         RGB -> HSV, h' = (h + d) mod 1, HSV -> RGB        (3 channels only; |d| <= 0.5)
 * - grayscale:     every channel set to gray(pixel)
 *
 * Colour jitter draws per image f_b ~ U[max(0, 1 - b), 1 + b], f_c ~ U[max(0, 1 - c), 1 + c],
 * f_s ~ U[max(0, 1 - s), 1 + s], d ~ U[-h, h] and applies the four in a random order (as
 * torchvision's ColorJitter does), the whole jitter with probability `probability` (SimCLR's
 * RandomApply).
 */

import type { SeededRandom } from '../../../core/index.js';
import type { ImageBatch } from '../batch.js';

const WR = 0.299;
const WG = 0.587;
const WB = 0.114;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Float copy in [0, 1] (uint8 / 255; float copied as is). */
export function toUnitFloat(batch: ImageBatch): ImageBatch<Float32Array> {
  if (batch.data instanceof Float32Array) return { ...batch, data: batch.data.slice() };
  const data = new Float32Array(batch.data.length);
  for (let i = 0; i < data.length; i++) data[i] = batch.data[i] / 255;
  return { ...batch, data };
}

// Per-image kernels: `d` holds P pixels of C channels from offset `o`.

export function brightnessAt(d: Float32Array, o: number, P: number, C: number, f: number): void {
  for (let i = o; i < o + P * C; i++) d[i] = clamp01(d[i] * f);
}

export function contrastAt(d: Float32Array, o: number, P: number, C: number, f: number): void {
  let sum = 0;
  if (C === 3) for (let p = o; p < o + 3 * P; p += 3) sum += WR * d[p] + WG * d[p + 1] + WB * d[p + 2];
  else for (let p = o; p < o + P * C; p += C) sum += d[p];
  const m = (1 - f) * (sum / P);
  for (let i = o; i < o + P * C; i++) d[i] = clamp01(f * d[i] + m);
}

export function saturationAt(d: Float32Array, o: number, P: number, C: number, f: number): void {
  if (C !== 3) return;
  const g = 1 - f;
  for (let p = o; p < o + 3 * P; p += 3) {
    const gray = g * (WR * d[p] + WG * d[p + 1] + WB * d[p + 2]);
    d[p] = clamp01(f * d[p] + gray);
    d[p + 1] = clamp01(f * d[p + 1] + gray);
    d[p + 2] = clamp01(f * d[p + 2] + gray);
  }
}

export function hueAt(d: Float32Array, o: number, P: number, C: number, delta: number): void {
  if (C !== 3 || delta === 0) return;
  // No Math.* in this loop: builtin calls are not inlined in some contexts (jest's vm), 20x slower.
  for (let p = o; p < o + 3 * P; p += 3) {
    const r = d[p];
    const g = d[p + 1];
    const b = d[p + 2];
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    const cr = maxc - minc;
    if (cr === 0) continue; // gray pixel: hue undefined, unchanged
    const s = cr / maxc;
    const rc = (maxc - r) / cr;
    const gc = (maxc - g) / cr;
    const bc = (maxc - b) / cr;
    let h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
    h = h / 6 + delta; // in (-2/3, 4/3): one wrap brings it to [0, 1)
    if (h < 0) h += 1;
    else if (h >= 1) h -= 1;
    const v = maxc;
    const h6 = h * 6;
    let i = h6 | 0;
    const f = h6 - i;
    if (i >= 6) i -= 6;
    const pp = clamp01(v * (1 - s));
    const q = clamp01(v * (1 - s * f));
    const t = clamp01(v * (1 - s * (1 - f)));
    let R: number;
    let G: number;
    let B: number;
    switch (i) {
      case 0: R = v; G = t; B = pp; break;
      case 1: R = q; G = v; B = pp; break;
      case 2: R = pp; G = v; B = t; break;
      case 3: R = pp; G = q; B = v; break;
      case 4: R = t; G = pp; B = v; break;
      default: R = v; G = pp; B = q;
    }
    d[p] = R;
    d[p + 1] = G;
    d[p + 2] = B;
  }
}

export function grayscaleAt(d: Float32Array, o: number, P: number, C: number): void {
  if (C !== 3) return;
  for (let p = o; p < o + 3 * P; p += 3) {
    const gray = WR * d[p] + WG * d[p + 1] + WB * d[p + 2];
    d[p] = gray;
    d[p + 1] = gray;
    d[p + 2] = gray;
  }
}

function eachImage(batch: ImageBatch, fn: (d: Float32Array, o: number, P: number, C: number) => void): ImageBatch<Float32Array> {
  const out = toUnitFloat(batch);
  const P = batch.height * batch.width;
  for (let n = 0; n < batch.count; n++) fn(out.data, n * P * batch.channels, P, batch.channels);
  return out;
}

/** Brightness factor f >= 0 on every image (copy, float [0, 1]). */
export const adjustBrightness = (batch: ImageBatch, f: number) => eachImage(batch, (d, o, P, C) => brightnessAt(d, o, P, C, f));
/** Contrast factor f >= 0 on every image (copy). */
export const adjustContrast = (batch: ImageBatch, f: number) => eachImage(batch, (d, o, P, C) => contrastAt(d, o, P, C, f));
/** Saturation factor f >= 0 on every image (copy). */
export const adjustSaturation = (batch: ImageBatch, f: number) => eachImage(batch, (d, o, P, C) => saturationAt(d, o, P, C, f));
/** Hue shift d in [-0.5, 0.5] (fraction of the colour circle) on every image (copy). */
export const adjustHue = (batch: ImageBatch, d: number) => eachImage(batch, (x, o, P, C) => hueAt(x, o, P, C, d));
/** Every image to gray, keeping the channel count (copy). */
export const toGrayscale = (batch: ImageBatch) => eachImage(batch, grayscaleAt);

export interface ColorJitterOptions {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  /** At most 0.5. */
  hue?: number;
  /** Probability of jittering an image at all (default 1). */
  probability?: number;
  /** Apply the four in a random order per image (default true, as torchvision). */
  randomOrder?: boolean;
}

function checkJitter(o: ColorJitterOptions): void {
  for (const k of ['brightness', 'contrast', 'saturation'] as const) {
    const v = o[k] ?? 0;
    if (!(v >= 0)) throw new RangeError(`colorJitter: ${k} must be >= 0, got ${v}`);
  }
  const h = o.hue ?? 0;
  if (!(h >= 0 && h <= 0.5)) throw new RangeError(`colorJitter: hue must be in [0, 0.5], got ${h}`);
}

const ORDER: readonly number[] = [0, 1, 2, 3];

/** Jitters image n of a float [0, 1] buffer in place, drawing from rng. */
export function colorJitterAt(
  d: Float32Array,
  o: number,
  P: number,
  C: number,
  rng: SeededRandom,
  options: ColorJitterOptions,
): void {
  if (rng.uniform() >= (options.probability ?? 1)) return;
  const factor = (s: number | undefined) => (s ? Math.max(0, 1 - s) + (1 + s - Math.max(0, 1 - s)) * rng.uniform() : 1);
  const order = options.randomOrder === false ? [...ORDER] : rng.shuffle([...ORDER]);
  const fb = factor(options.brightness);
  const fc = factor(options.contrast);
  const fs = factor(options.saturation);
  const dh = options.hue ? (2 * rng.uniform() - 1) * options.hue : 0;
  for (const k of order) {
    if (k === 0 && fb !== 1) brightnessAt(d, o, P, C, fb);
    else if (k === 1 && fc !== 1) contrastAt(d, o, P, C, fc);
    else if (k === 2 && fs !== 1) saturationAt(d, o, P, C, fs);
    else if (k === 3 && dh !== 0) hueAt(d, o, P, C, dh);
  }
}

/** Random colour jitter of each image (copy, float [0, 1]); see the file comment for the formulas. */
export function colorJitter(batch: ImageBatch, rng: SeededRandom, options: ColorJitterOptions): ImageBatch<Float32Array> {
  checkJitter(options);
  return eachImage(batch, (d, o, P, C) => colorJitterAt(d, o, P, C, rng, options));
}

/** Each image turned gray with probability p (copy, float [0, 1]). */
export function randomGrayscale(batch: ImageBatch, rng: SeededRandom, p: number): ImageBatch<Float32Array> {
  return eachImage(batch, (d, o, P, C) => {
    if (rng.uniform() < p) grayscaleAt(d, o, P, C);
  });
}

export { checkJitter as checkColorJitterOptions };
