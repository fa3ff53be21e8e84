import {
  type ImageBatch,
  SIMCLR_VIEW,
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  augmentView,
  colorJitter,
  crop,
  demiViews,
  epochBatches,
  flipHorizontal,
  nestedCrops,
  randomCrop,
  randomGrayscale,
  randomHorizontalFlip,
  randomResizedCrop,
  resize,
  resizeCrops,
  sampleResizedCropBox,
  toGrayscale,
} from '../../data/vision/index.js';
import { SeededRandom } from '../../core/index.js';

/** count images h x w x c with distinct uint8 values. */
function u8(count: number, h: number, w: number, c: number, seed = 1): ImageBatch<Uint8Array> {
  const rng = new SeededRandom(seed);
  const data = new Uint8Array(count * h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { data, count, height: h, width: w, channels: c };
}
const f32 = (values: number[], h: number, w: number, c: number): ImageBatch<Float32Array> => ({
  data: Float32Array.from(values),
  count: values.length / (h * w * c),
  height: h,
  width: w,
  channels: c,
});
/** Largest |a[i] - b[i]| (one expect instead of thousands). */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
/** Whether two typed arrays hold the same bytes (fast, unlike toEqual on 100k elements). */
const same = (a: Float32Array | Uint8Array, b: Float32Array | Uint8Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const at = (b: ImageBatch, n: number, y: number, x: number, c: number) => b.data[((n * b.height + y) * b.width + x) * b.channels + c];

describe('geometry', () => {
  it('crop takes the same rectangle of every image, keeping the element type', () => {
    const b = u8(2, 6, 5, 3);
    const c = crop(b, 1, 2, 3, 4);
    expect(c.data).toBeInstanceOf(Uint8Array);
    expect([c.count, c.height, c.width, c.channels]).toEqual([2, 4, 3, 3]);
    expect(at(c, 1, 3, 2, 1)).toBe(at(b, 1, 5, 3, 1));
    expect(() => crop(b, 3, 0, 3, 1)).toThrow(/not a non-empty integer rectangle inside the 6x5 image/);
  });

  it('bilinear resize matches PyTorch (align_corners=False) on a known case', () => {
    const up = resize(f32([0, 1, 2, 3], 2, 2, 1), 4, 4);
    expect(Array.from(up.data)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
    const down = resize(f32([0, 1, 2, 3, 4, 5, 6, 7], 1, 8, 1), 1, 4);
    expect(Array.from(down.data)).toEqual([0.5, 2.5, 4.5, 6.5]);
    const b = u8(1, 5, 7, 3);
    expect(Array.from(resize(b, 5, 7).data)).toEqual(Array.from(b.data)); // same size: identity
  });

  it('resizing a box equals cropping then resizing; flips and value scaling fuse in', () => {
    const b = u8(2, 8, 8, 3);
    const boxes = [
      { x: 1, y: 2, width: 5, height: 3 },
      { x: 0, y: 0, width: 8, height: 8 },
    ];
    const fused = resizeCrops(b, boxes, 6, 4, { flips: [1, 0], scale: 1 / 255 });
    const sep0 = flipHorizontal(resize(crop({ ...b, data: b.data.subarray(0, 192), count: 1 }, 1, 2, 5, 3), 6, 4));
    const sep1 = resize({ ...b, data: b.data.subarray(192), count: 1 }, 6, 4);
    const expected = [...sep0.data, ...sep1.data].map((v) => v / 255);
    expect(maxAbsDiff(fused.data, expected)).toBeLessThan(1e-6);
  });

  it('flips mirror left-right; random flips are seeded', () => {
    const b = u8(3, 4, 5, 2);
    const f = flipHorizontal(b);
    expect(at(f, 2, 1, 0, 1)).toBe(at(b, 2, 1, 4, 1));
    expect(Array.from(flipHorizontal(f).data)).toEqual(Array.from(b.data));
    const none = randomHorizontalFlip(b, new SeededRandom(1), 0);
    expect(Array.from(none.batch.data)).toEqual(Array.from(b.data));
    const all = randomHorizontalFlip(b, new SeededRandom(1), 1);
    expect(Array.from(all.flipped)).toEqual([1, 1, 1]);
    const r1 = randomHorizontalFlip(u8(64, 2, 2, 1), new SeededRandom(7));
    const r2 = randomHorizontalFlip(u8(64, 2, 2, 1), new SeededRandom(7));
    expect(Array.from(r1.flipped)).toEqual(Array.from(r2.flipped));
    const n = r1.flipped.reduce((s, v) => s + v, 0);
    expect(n).toBeGreaterThan(16);
    expect(n).toBeLessThan(48);
  });

  it('random crops with zero padding', () => {
    const b = { ...u8(50, 4, 4, 1), data: new Uint8Array(50 * 16).fill(9) };
    const { batch, boxes } = randomCrop(b, new SeededRandom(3), { height: 4, width: 4, padding: 2 });
    boxes.forEach((box, n) => {
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const inside = box.y + y - 2 >= 0 && box.y + y - 2 < 4 && box.x + x - 2 >= 0 && box.x + x - 2 < 4;
          expect(at(batch, n, y, x, 0)).toBe(inside ? 9 : 0);
        }
      }
    });
    expect(new Set(boxes.map((bx) => `${bx.x},${bx.y}`)).size).toBeGreaterThan(10);
  });

  it('random resized crop: boxes inside the image with area and aspect in range; seeded', () => {
    const rng = new SeededRandom(11);
    const bad: unknown[] = [];
    const areas: number[] = [];
    for (let i = 0; i < 500; i++) {
      const b = sampleResizedCropBox(rng, 32, 32, [0.2, 0.8], [0.75, 1.333]);
      const area = (b.width * b.height) / 1024;
      const aspect = b.width / b.height;
      areas.push(area);
      // rounding to whole pixels moves area and aspect a little
      const ok = b.x >= 0 && b.y >= 0 && b.x + b.width <= 32 && b.y + b.height <= 32 &&
        area > 0.2 - 0.05 && area < 0.8 + 0.05 && aspect > 0.75 * 0.85 && aspect < 1.333 / 0.85;
      if (!ok) bad.push(b);
    }
    expect(bad).toEqual([]);
    expect(Math.min(...areas)).toBeLessThan(0.3);
    expect(Math.max(...areas)).toBeGreaterThan(0.7);
    // impossible aspect: falls back to the central crop with the ratio clamped
    expect(sampleResizedCropBox(new SeededRandom(1), 10, 40, [0.99, 1], [1, 1])).toEqual({ x: 15, y: 0, width: 10, height: 10 });
    const b = u8(8, 32, 32, 3);
    const a1 = randomResizedCrop(b, new SeededRandom(5), { height: 16, width: 16 });
    const a2 = randomResizedCrop(b, new SeededRandom(5), { height: 16, width: 16 });
    const a3 = randomResizedCrop(b, new SeededRandom(6), { height: 16, width: 16 });
    expect(same(a1.batch.data, a2.batch.data)).toBe(true);
    expect(a1.boxes).toEqual(a2.boxes);
    expect(a1.boxes).not.toEqual(a3.boxes);
  });
});

describe('colour', () => {
  const px = [0.2, 0.4, 0.6, 0.9, 0.1, 0.3]; // two RGB pixels
  const img = () => f32(px, 1, 2, 3);
  const gray = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

  it('brightness, contrast, saturation follow the documented formulas (with clamping)', () => {
    expect(Array.from(adjustBrightness(img(), 1.5).data)).toEqual(px.map((v) => Math.fround(Math.min(1, v * 1.5))).map((v) => expect.closeTo(v, 6)));
    const m = (gray(0.2, 0.4, 0.6) + gray(0.9, 0.1, 0.3)) / 2;
    adjustContrast(img(), 0.5).data.forEach((v, i) => expect(v).toBeCloseTo(Math.min(1, Math.max(0, 0.5 * px[i] + 0.5 * m)), 6));
    adjustContrast(img(), 0).data.forEach((v) => expect(v).toBeCloseTo(m, 6));
    const s = adjustSaturation(img(), 0).data;
    expect(s[0]).toBeCloseTo(gray(0.2, 0.4, 0.6), 6);
    expect(s[1]).toBeCloseTo(s[0], 6);
    const s2 = adjustSaturation(img(), 2).data;
    expect(s2[3]).toBeCloseTo(Math.min(1, 2 * 0.9 - gray(0.9, 0.1, 0.3)), 6);
    expect(s2[4]).toBeCloseTo(0, 6); // 0.2 - 0.41 clamps to 0
    const g = toGrayscale(img()).data;
    expect(g[3]).toBeCloseTo(gray(0.9, 0.1, 0.3), 6);
    expect(g[5]).toBeCloseTo(g[3], 6);
    // uint8 input is read as x / 255
    expect(adjustBrightness({ data: Uint8Array.from([255, 51, 0]), count: 1, height: 1, width: 1, channels: 3 }, 0.5).data[1]).toBeCloseTo(0.1, 6);
  });

  it('hue rotates around the colour circle; 0 and a full turn are identities; gray stays gray', () => {
    const red = f32([1, 0, 0, 0.5, 0.5, 0.5], 1, 2, 3);
    const green = adjustHue(red, 1 / 3).data;
    [0, 1, 0, 0.5, 0.5, 0.5].forEach((v, i) => expect(green[i]).toBeCloseTo(v, 6));
    adjustHue(img(), 0).data.forEach((v, i) => expect(v).toBeCloseTo(px[i], 6));
    const there = adjustHue(img(), 0.5);
    adjustHue(there, 0.5).data.forEach((v, i) => expect(v).toBeCloseTo(px[i], 5));
    const shifted = adjustHue(img(), 0.1).data;
    expect(Math.abs(shifted[0] - px[0]) + Math.abs(shifted[1] - px[1])).toBeGreaterThan(0.05);
    // value (max) and saturation are kept
    expect(Math.max(shifted[0], shifted[1], shifted[2])).toBeCloseTo(0.6, 6);
  });

  it('colour jitter is seeded, stays in [0, 1], and its probability is honoured', () => {
    const b = u8(16, 8, 8, 3);
    const opts = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 };
    const j1 = colorJitter(b, new SeededRandom(9), opts);
    const j2 = colorJitter(b, new SeededRandom(9), opts);
    const j3 = colorJitter(b, new SeededRandom(10), opts);
    expect(same(j1.data, j2.data)).toBe(true);
    expect(same(j1.data, j3.data)).toBe(false);
    expect(j1.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const off = colorJitter(b, new SeededRandom(9), { ...opts, probability: 0 });
    expect(maxAbsDiff(off.data, Array.from(b.data, (v) => v / 255))).toBeLessThan(1e-6);
    expect(() => colorJitter(b, new SeededRandom(1), { hue: 0.7 })).toThrow(/hue must be in \[0, 0.5\]/);
    const g = randomGrayscale(b, new SeededRandom(2), 1);
    expect(g.data[0]).toBeCloseTo(g.data[1], 6);
  });
});

describe('nested subviews (DEMI)', () => {
  it('crops of increasing size, each inside the next, the last the whole view; seeded', () => {
    const b = u8(20, 32, 32, 3);
    const { subviews, boxes } = nestedCrops(b, new SeededRandom(4), { scales: [0.25, 0.5, 0.75, 1], height: 16, width: 16, valueScale: 1 / 255 });
    expect(subviews).toHaveLength(4);
    subviews.forEach((s) => expect([s.count, s.height, s.width, s.channels]).toEqual([20, 16, 16, 3]));
    for (const bx of boxes) {
      expect(bx.map((x) => x.width)).toEqual([8, 16, 24, 32]);
      for (let k = 0; k + 1 < bx.length; k++) {
        const [i, o] = [bx[k], bx[k + 1]];
        expect(i.x >= o.x && i.y >= o.y && i.x + i.width <= o.x + o.width && i.y + i.height <= o.y + o.height).toBe(true);
      }
      expect(bx[3]).toEqual({ x: 0, y: 0, width: 32, height: 32 });
    }
    expect(new Set(boxes.map((bx) => `${bx[0].x},${bx[0].y}`)).size).toBeGreaterThan(5);
    const again = nestedCrops(b, new SeededRandom(4), { scales: [0.25, 0.5, 0.75, 1], height: 16, width: 16, valueScale: 1 / 255 });
    expect(same(again.subviews[0].data, subviews[0].data)).toBe(true);
    // the full-size subview is the view resized
    const whole = resize(b, 16, 16);
    expect(maxAbsDiff(subviews[3].data, Array.from(whole.data, (v) => v / 255))).toBeLessThan(1e-5);
    const centred = nestedCrops(b, new SeededRandom(1), { count: 3, minScale: 0.5, placement: 'center' });
    expect(centred.boxes[0].map((x) => x.width)).toEqual([16, 24, 32]);
    expect(centred.boxes[0][0]).toEqual({ x: 8, y: 8, width: 16, height: 16 });
    expect(() => nestedCrops(b, new SeededRandom(1), { scales: [0.5, 0.5] })).toThrow(/increase strictly/);
  });
});

describe('augmentView', () => {
  it('same seed, same views; different seed, different views; output in [0, 1]', () => {
    const b = u8(32, 32, 32, 3);
    const v1 = augmentView(b, new SeededRandom(123), SIMCLR_VIEW);
    const v2 = augmentView(b, new SeededRandom(123), SIMCLR_VIEW);
    const v3 = augmentView(b, new SeededRandom(124), SIMCLR_VIEW);
    expect(same(v1.batch.data, v2.batch.data)).toBe(true);
    expect(v1.boxes).toEqual(v2.boxes);
    expect(same(v1.batch.data, v3.batch.data)).toBe(false);
    expect(v1.batch.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    // no crop, no flip, no colour: just x / 255
    const plain = augmentView(b, new SeededRandom(1), { flip: 0 });
    expect(maxAbsDiff(plain.batch.data, Array.from(b.data, (v) => v / 255))).toBeLessThan(1e-6);
    // DIM STL-10 style: random 64x64 crops of 96x96, flips
    const stl = augmentView(u8(2, 96, 96, 3), new SeededRandom(1), { height: 64, width: 64, crop: { kind: 'random' }, flip: 0 });
    const bx = stl.boxes[1];
    expect(stl.batch.data[((1 * 64 + 5) * 64 + 7) * 3 + 2]).toBeCloseTo(u8(2, 96, 96, 3).data[((1 * 96 + bx.y + 5) * 96 + bx.x + 7) * 3 + 2] / 255, 6);
  });
});

describe('DEMI step inputs and epoch order', () => {
  it('demiViews: x, y and nested subviews of y, seeded', () => {
    const b = u8(8, 32, 32, 3);
    const opts = { x: SIMCLR_VIEW, subviews: { scales: [0.5, 1], height: 32, width: 32 } };
    const v1 = demiViews(b, new SeededRandom(2), opts);
    const v2 = demiViews(b, new SeededRandom(2), opts);
    expect(same(v1.x.data, v2.x.data) && same(v1.y.data, v2.y.data) && same(v1.subviews[0].data, v2.subviews[0].data)).toBe(true);
    expect(same(v1.x.data, v1.y.data)).toBe(false);
    expect(same(v1.subviews[1].data, v1.y.data)).toBe(true); // scale 1 at the same size: y itself
    // subview 0 is y's 16x16 boxes resized to 32x32
    expect(v1.subviewBoxes.every((bx) => bx[0].width === 16 && bx[0].height === 16)).toBe(true);
    const expected = resizeCrops(v1.y, v1.subviewBoxes.map((bx) => bx[0]), 32, 32);
    expect(same(v1.subviews[0].data, expected.data)).toBe(true);
  });

  it('epochBatches: a seeded permutation, incomplete last batch dropped by default', () => {
    const a = epochBatches(10, 3, new SeededRandom(1));
    expect(a.map((x) => x.length)).toEqual([3, 3, 3]);
    expect(Array.from(epochBatches(10, 3, new SeededRandom(1))[2])).toEqual(Array.from(a[2]));
    const all = epochBatches(10, 3, new SeededRandom(1), { dropLast: false });
    expect(all.map((x) => x.length)).toEqual([3, 3, 3, 1]);
    expect(all.flatMap((x) => Array.from(x)).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(epochBatches(4, 2, null)[1])).toEqual([2, 3]);
  });
});
