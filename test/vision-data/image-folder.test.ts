import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  CIFAR10_CLASSES,
  ImageDataError,
  ImageDecoderUnavailableError,
  loadCifar10Jpeg,
  loadImageDecoder,
  readImageFolder,
  readImageFolderArchive,
  readImageSetFile,
  writeImageSetFile,
} from '../../data/vision/index.js';
import { pixel, tarArchive, tempDir } from './fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A width x height x channels image with the fixture pattern for image n. */
function raw(n: number, height: number, width: number, channels: number): Buffer {
  const b = Buffer.alloc(height * width * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) b[(y * width + x) * channels + c] = pixel(n, y, x, c);
  return b;
}
const png = (n: number, h: number, w: number, c: 1 | 3 | 4) => {
  const img = sharp(raw(n, h, w, c), { raw: { height: h, width: w, channels: c } });
  return (c === 1 ? img.toColourspace('b-w') : img).png().toBuffer(); // else sharp writes gray as RGB
};
/** A smooth image (JPEG-friendly) for image n. */
function smooth(n: number, height: number, width: number): Buffer {
  const b = Buffer.alloc(height * width * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) b[(y * width + x) * 3 + c] = (n * 20 + y * 3 + x * 2 + c * 60) % 256;
  return b;
}
const jpeg = (n: number, h: number, w: number) =>
  sharp(smooth(n, h, w), { raw: { height: h, width: w, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();

describe('image folders', () => {
  it('reads class-per-subfolder PNGs losslessly, labels by sorted folder name, then by path', async () => {
    const root = join(tmp.dir, 'png');
    for (const [cls, files] of [['dog', [0, 1]], ['cat', [2]]] as const) {
      mkdirSync(join(root, cls, 'sub'), { recursive: true });
      for (const n of files) writeFileSync(join(root, cls, `${n}.png`), await png(n, 5, 4, 3));
    }
    writeFileSync(join(root, 'dog', 'sub', '9.PNG'), await png(9, 5, 4, 4)); // nested, upper-case, with alpha
    writeFileSync(join(root, 'dog', 'notes.txt'), 'not an image');
    const set = await readImageFolder(root);
    expect(set.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(set.labels)).toEqual([0, 1, 1, 1]);
    expect([set.count, set.height, set.width, set.channels]).toEqual([4, 5, 4, 3]);
    const size = 5 * 4 * 3;
    expect(Buffer.from(set.images.subarray(0, size))).toEqual(raw(2, 5, 4, 3)); // cat/2.png
    expect(Buffer.from(set.images.subarray(size, 2 * size))).toEqual(raw(0, 5, 4, 3)); // dog/0.png
    // alpha dropped
    const rgba = raw(9, 5, 4, 4);
    expect(set.images[3 * size + 3]).toBe(rgba[4]);
    // given class names fix the label order
    const fixed = await readImageFolder(root, { classNames: ['dog', 'cat'] });
    expect(Array.from(fixed.labels)).toEqual([0, 0, 0, 1]);
    await expect(readImageFolder(root, { classNames: ['dog'] })).rejects.toThrow(/class folder\(s\) cat not in classNames/);
  });

  it('grayscale images give one channel; channels: 3 replicates; JPEG decodes close to the source', async () => {
    const root = join(tmp.dir, 'gray');
    mkdirSync(join(root, 'a'), { recursive: true });
    writeFileSync(join(root, 'a', 'g.png'), await png(3, 6, 6, 1));
    const g = await readImageFolder(root);
    expect(g.channels).toBe(1);
    expect(Buffer.from(g.images)).toEqual(raw(3, 6, 6, 1));
    const rgb = await readImageFolder(root, { channels: 3 });
    expect(rgb.channels).toBe(3);
    expect(rgb.images[3 * 7 + 1]).toBe(raw(3, 6, 6, 1)[7]);

    const jroot = join(tmp.dir, 'jpg');
    mkdirSync(join(jroot, 'b'), { recursive: true });
    writeFileSync(join(jroot, 'b', 'x.jpg'), await jpeg(1, 16, 16));
    const j = await readImageFolder(jroot);
    const ref = smooth(1, 16, 16);
    const meanAbs = j.images.reduce((s, v, i) => s + Math.abs(v - ref[i]), 0) / ref.length;
    expect(meanAbs).toBeLessThan(4);
  });

  it('different sizes are an error naming the file unless resize is given; damaged files name the file', async () => {
    const root = join(tmp.dir, 'sizes');
    mkdirSync(join(root, 'a'), { recursive: true });
    writeFileSync(join(root, 'a', '1.png'), await png(1, 8, 8, 3));
    writeFileSync(join(root, 'a', '2.png'), await png(2, 10, 6, 3));
    const e = await readImageFolder(root).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ImageDataError);
    expect((e as Error).message).toMatch(/2\.png: is 10x6x3 but .*1\.png is 8x8x3.*resize/);
    const resized = await readImageFolder(root, { resize: { height: 4, width: 4 } });
    expect([resized.count, resized.height, resized.width]).toEqual([2, 4, 4]);

    const good = await png(1, 8, 8, 3);
    writeFileSync(join(root, 'a', '2.png'), good.subarray(0, good.length - 30));
    const d = await readImageFolder(root).catch((x: unknown) => x);
    expect(d).toBeInstanceOf(ImageDataError);
    expect((d as ImageDataError).file).toBe(join(root, 'a', '2.png'));
  });

  it('a missing decoder is an ImageDecoderUnavailableError saying what to install', async () => {
    const e = await loadImageDecoder('no-such-image-decoder-package').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ImageDecoderUnavailableError);
    expect((e as Error).message).toMatch(/npm install sharp/);
  });
});

describe('image folders in archives; the CIFAR-10 JPEG layout', () => {
  it('reads <root>/<class>/<file> members of a .tar.gz', async () => {
    const members = [];
    for (const [cls, n] of [['b', 0], ['a', 1], ['b', 2]] as const) {
      members.push({ path: `top/train/${cls}/${n}.png`, data: await png(n, 3, 3, 3) });
    }
    members.push({ path: 'top/test/a/9.png', data: await png(9, 3, 3, 3) });
    const path = join(tmp.dir, 'folder.tar.gz');
    writeFileSync(path, tarArchive(members, { gzip: true }));
    const set = await readImageFolderArchive(path, { root: 'top/train' });
    expect(set.classNames).toEqual(['a', 'b']);
    expect(Array.from(set.labels)).toEqual([0, 1, 1]);
    expect(Buffer.from(set.images.subarray(0, 27))).toEqual(raw(1, 3, 3, 3));
    await expect(readImageFolderArchive(path, { root: 'nope' })).rejects.toThrow(/no images under "nope\/"/);
  });

  it('loadCifar10Jpeg: official class order, 32x32x3, cached decoded set reused', async () => {
    const members = [];
    for (const split of ['train', 'test']) {
      for (const cls of ['truck', 'airplane', 'cat']) {
        for (let i = 0; i < 2; i++) members.push({ path: `cifar10-jpg/${split}/${cls}/000${i}.jpg`, data: await jpeg(i, 32, 32) });
      }
    }
    const archive = join(tmp.dir, 'cifar10-jpg.tar.gz');
    writeFileSync(archive, tarArchive(members, { gzip: true }));
    const cacheDir = join(tmp.dir, 'jcache');
    const train = await loadCifar10Jpeg({ archive, split: 'train', cacheDir });
    expect([train.count, train.height, train.width, train.channels]).toEqual([6, 32, 32, 3]);
    expect(train.classNames).toEqual([...CIFAR10_CLASSES]);
    expect(Array.from(train.labels)).toEqual([0, 0, 3, 3, 9, 9]);
    const again = await loadCifar10Jpeg({ archive, split: 'train', cacheDir });
    expect(Buffer.from(again.images)).toEqual(Buffer.from(train.images));
    expect(Array.from(again.labels)).toEqual(Array.from(train.labels));
    const test = await loadCifar10Jpeg({ archive, split: 'test', cacheDir, cache: false });
    expect(test.count).toBe(6);
  });

  it('image set files round-trip and reject damage', async () => {
    const set = {
      images: Uint8Array.from({ length: 2 * 2 * 3 * 1 }, (_, i) => i),
      labels: Int32Array.from([1, -1]),
      count: 2,
      height: 2,
      width: 3,
      channels: 1,
      classNames: ['x', 'y'],
    };
    const path = join(tmp.dir, 'set.demiimg');
    await writeImageSetFile(path, set);
    const back = await readImageSetFile(path);
    expect(back).toEqual({ ...set, images: expect.any(Uint8Array) });
    expect(Array.from(back.images)).toEqual(Array.from(set.images));
    const { readFileSync } = await import('node:fs');
    writeFileSync(path, readFileSync(path).subarray(0, 40));
    await expect(readImageSetFile(path)).rejects.toThrow(ImageDataError);
  });
});
