import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ImageDataError,
  classCounts,
  findIdxPair,
  loadFashionMnist,
  loadMnist,
  parseCifar10Binary,
  parseIdx,
  readCifar10BinaryDir,
  readCifar10BinaryFiles,
  readIdxPair,
  readStl10Dir,
  readStl10Folds,
  readStl10Images,
} from '../../data/vision/index.js';
import { cifarBinary, idxBytes, pixel, stlImages, tempDir } from './fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The error thrown by `p`, which must be an ImageDataError. */
async function dataError(p: Promise<unknown>): Promise<ImageDataError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ImageDataError);
  return e as ImageDataError;
}

describe('CIFAR-10 binary', () => {
  it('converts each record (label + CHW planes) to a label and an HWC image', () => {
    const set = parseCifar10Binary(cifarBinary([3, 0, 9]), 'x.bin');
    expect(set.count).toBe(3);
    expect([set.height, set.width, set.channels]).toEqual([32, 32, 3]);
    expect(Array.from(set.labels)).toEqual([3, 0, 9]);
    expect(set.classNames?.[3]).toBe('cat');
    for (const [n, y, x, c] of [[0, 0, 0, 0], [1, 5, 17, 1], [2, 31, 31, 2], [2, 0, 31, 1]]) {
      expect(set.images[((n * 32 + y) * 32 + x) * 3 + c]).toBe(pixel(n, y, x, c));
    }
  });

  it('a truncated file is an ImageDataError naming the file and the record size', async () => {
    const bytes = cifarBinary([1, 2, 3]);
    const path = join(tmp.dir, 'data_batch_1.bin');
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    const e = await dataError(readCifar10BinaryFiles([path]));
    expect(e.file).toBe(path);
    expect(e.message).toMatch(/3073/);
  });

  it('a label above 9 is an error naming the record', () => {
    const bytes = cifarBinary([1, 2]);
    bytes[3073] = 12;
    expect(() => parseCifar10Binary(bytes, 'b.bin')).toThrow(/b\.bin: record 1 has label 12/);
  });

  it('reads the five train batches in order, and the test batch', async () => {
    const dir = join(tmp.dir, 'cifar-10-batches-bin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), cifarBinary([i, i]));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBinary([7, 8, 9]));
    const train = await readCifar10BinaryDir(dir, 'train');
    expect(Array.from(train.labels)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const test = await readCifar10BinaryDir(dir, 'test');
    expect(test.count).toBe(3);
    const missing = await dataError(readCifar10BinaryDir(join(tmp.dir, 'nope'), 'test'));
    expect(missing.message).toMatch(/test_batch\.bin: cannot read/);
  });
});

describe('STL-10 binary', () => {
  const dir = join(tmp.dir, 'stl10_binary');
  beforeAll(async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train_X.bin'), stlImages(2));
    writeFileSync(join(dir, 'train_y.bin'), Buffer.from([1, 10]));
    writeFileSync(join(dir, 'test_X.bin'), stlImages(1, 5));
    writeFileSync(join(dir, 'test_y.bin'), Buffer.from([4]));
    writeFileSync(join(dir, 'unlabeled_X.bin'), stlImages(3, 9));
    writeFileSync(join(dir, 'fold_indices.txt'), '0 1\n1\n');
  });

  it('converts column-major CHW to HWC and labels 1..10 to 0..9', async () => {
    const set = await readStl10Dir(dir, { split: 'train' });
    expect([set.count, set.height, set.width, set.channels]).toEqual([2, 96, 96, 3]);
    expect(Array.from(set.labels)).toEqual([0, 9]);
    expect(set.classNames?.[9]).toBe('truck');
    for (const [n, y, x, c] of [[0, 0, 1, 0], [0, 1, 0, 0], [1, 10, 80, 2], [1, 95, 3, 1]]) {
      expect(set.images[((n * 96 + y) * 96 + x) * 3 + c]).toBe(pixel(n, y, x, c));
    }
  });

  it('unlabeled images get label -1; train+unlabeled concatenates; limit and offset', async () => {
    const un = await readStl10Dir(dir, { split: 'unlabeled', unlabeledLimit: 2 });
    expect(Array.from(un.labels)).toEqual([-1, -1]);
    const both = await readStl10Dir(dir, { split: 'train+unlabeled' });
    expect(both.count).toBe(5);
    expect(classCounts(both).get(-1)).toBe(3);
    const one = await readStl10Images(join(dir, 'unlabeled_X.bin'), { offset: 2, limit: 5 });
    expect(one.length).toBe(96 * 96 * 3);
    expect(one[(7 * 96 + 11) * 3 + 2]).toBe(pixel(2, 7, 11, 2, 9));
    const folds = await readStl10Folds(dir);
    expect(folds.map((f) => Array.from(f))).toEqual([[0, 1], [1]]);
  });

  it('truncated images, bad labels and count mismatches are ImageDataErrors naming the file', async () => {
    const bad = join(tmp.dir, 'stl-bad');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bad);
    writeFileSync(join(bad, 'train_X.bin'), stlImages(2).subarray(0, 50000));
    writeFileSync(join(bad, 'train_y.bin'), Buffer.from([1, 2]));
    expect((await dataError(readStl10Dir(bad, { split: 'train' }))).file).toBe(join(bad, 'train_X.bin'));
    writeFileSync(join(bad, 'train_X.bin'), stlImages(2));
    writeFileSync(join(bad, 'train_y.bin'), Buffer.from([1, 0]));
    expect((await dataError(readStl10Dir(bad, { split: 'train' }))).message).toMatch(/train_y\.bin: label 1 is 0/);
    writeFileSync(join(bad, 'train_y.bin'), Buffer.from([1, 2, 3]));
    expect((await dataError(readStl10Dir(bad, { split: 'train' }))).message).toMatch(/3 labels but .* 2 images/);
  });
});

describe('IDX', () => {
  const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
  const labels = Uint8Array.from([2, 0, 9]);

  it('reads gzip and raw pairs as a one-channel set', async () => {
    const gzImg = join(tmp.dir, 'train-images-idx3-ubyte.gz');
    const rawLab = join(tmp.dir, 'train-labels-idx1-ubyte');
    writeFileSync(gzImg, idxBytes([3, 4, 5], images, true));
    writeFileSync(rawLab, idxBytes([3], labels));
    const set = await readIdxPair(gzImg, rawLab);
    expect([set.count, set.height, set.width, set.channels]).toEqual([3, 4, 5, 1]);
    expect(Array.from(set.images)).toEqual(Array.from(images));
    expect(Array.from(set.labels)).toEqual([2, 0, 9]);
    expect(await findIdxPair(tmp.dir, 'train')).toEqual({ images: gzImg, labels: rawLab });
    const mnist = await loadMnist({ split: 'train', dir: tmp.dir });
    expect(mnist.classNames?.[9]).toBe('9');
    const fashion = await loadFashionMnist({ split: 'train', dir: tmp.dir });
    expect(fashion.classNames?.[9]).toBe('Ankle boot');
  });

  it('checks magic, type, sizes, swapped files and gzip damage', async () => {
    expect(() => parseIdx(Buffer.from([1, 2, 3, 4]), 'a')).toThrow(/a: starts with 0x0102/);
    const f32 = idxBytes([1], Uint8Array.from([0, 0, 0, 0]));
    f32[2] = 0x0d;
    expect(() => parseIdx(f32, 'b')).toThrow(/b: holds float32 values/);
    expect(() => parseIdx(idxBytes([3, 4, 5], images).subarray(0, 30), 'c')).toThrow(/c: header promises 3x4x5 = 60 values but only 14 bytes/);
    const img = join(tmp.dir, 'i.idx');
    const lab = join(tmp.dir, 'l.idx');
    writeFileSync(img, idxBytes([3, 4, 5], images));
    writeFileSync(lab, idxBytes([3], labels));
    // labels where images are expected
    expect((await dataError(readIdxPair(lab, img))).message).toMatch(/l\.idx: is IDX magic 0x801 .*expected images \(0x803\)/);
    writeFileSync(lab, idxBytes([2], labels.subarray(0, 2)));
    expect((await dataError(readIdxPair(img, lab))).message).toMatch(/2 labels but .* 3 images/);
    const gz = idxBytes([3, 4, 5], images, true);
    const cut = join(tmp.dir, 'cut.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 8));
    expect((await dataError(readIdxPair(cut, lab))).message).toMatch(/cut\.gz: gzip data is damaged/);
    writeFileSync(lab, idxBytes([3], Uint8Array.from([1, 2, 11])));
    expect((await dataError(readIdxPair(img, lab, { classNames: ['a', 'b', 'c'] }))).message).toMatch(/label 2 is 11/);
  });

  it('a directory without the files says which names it looked for', async () => {
    const e = await dataError(loadMnist({ split: 'test', dir: join(tmp.dir, 'empty-nothing') }));
    expect(e.message).toMatch(/t10k-images-idx3-ubyte/);
  });
});
