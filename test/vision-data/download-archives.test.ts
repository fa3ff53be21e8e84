import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as fetch from '../../data/fetch/index.js';
import * as vision from '../../data/vision/index.js';
import {
  ChecksumMismatchError,
  ImageDataError,
  type RemoteFile,
  extractTar,
  fileBytes,
  loadCifar10,
  loadStl10,
  readTarFile,
  tarEntries,
} from '../../data/vision/index.js';
import { cifarBinary, stlImages, tarArchive, tempDir } from './fixtures.js';

const tmp = tempDir();
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

const cifarTar = tarArchive(
  [
    { path: 'cifar-10-batches-bin/', type: '5' },
    ...[1, 2, 3, 4, 5].map((i) => ({ path: `cifar-10-batches-bin/data_batch_${i}.bin`, data: cifarBinary([i - 1, 9]) })),
    { path: 'cifar-10-batches-bin/test_batch.bin', data: cifarBinary([4, 5, 6]) },
    { path: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('airplane\n') },
  ],
  { gzip: true },
);
const stlTar = tarArchive(
  [
    { path: 'stl10_binary/train_X.bin', data: stlImages(2) },
    { path: 'stl10_binary/train_y.bin', data: Buffer.from([3, 4]) },
    { path: 'stl10_binary/test_X.bin', data: stlImages(1) },
    { path: 'stl10_binary/test_y.bin', data: Buffer.from([10]) },
    { path: 'stl10_binary/unlabeled_X.bin', data: stlImages(2) },
  ],
  { gzip: true },
);

const fileUrl = (name: string, bytes: Buffer): string => {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return pathToFileURL(path).href;
};
afterAll(() => tmp.cleanup());

// The downloader and the tar reader themselves are tested in test/data/fetch.test.ts.

describe('downloads and archives', () => {
  it('data/vision re-exports the shared downloader and its errors (data/fetch)', () => {
    for (const name of ['ensureDownloaded', 'cacheSubdir', 'demiCacheDir', 'hashFile', 'DownloadError', 'ChecksumMismatchError'] as const) {
      expect(vision[name]).toBe(fetch[name]);
    }
  });

  it('truncated archives are ImageDataErrors naming the archive, whichever tar function reads them', async () => {
    const cut = join(tmp.dir, 'cut.tar');
    writeFileSync(cut, tarArchive([{ path: 'x.bin', data: Buffer.alloc(5000, 1) }]).subarray(0, 3000));
    const gz = tarArchive([{ path: 'x.bin', data: Buffer.alloc(5000, 1) }], { gzip: true });
    const cutGz = join(tmp.dir, 'cut.tar.gz');
    writeFileSync(cutGz, gz.subarray(0, gz.length >> 1));
    const failure = (work: Promise<unknown>) => work.then(() => undefined, (e: unknown) => e);
    const readAll = async (entries: AsyncIterable<vision.TarEntry>) => {
      for await (const e of entries) await e.read();
    };
    const errors = [
      await failure(readAll(readTarFile(cut))),
      await failure(readAll(readTarFile(cutGz))),
      await failure(readAll(tarEntries(fileBytes(cut), 'cut-label'))),
      await failure(extractTar(cutGz, join(tmp.dir, 'cut'), () => true)),
    ];
    for (const e of errors) expect(e).toBeInstanceOf(ImageDataError);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      expect.stringMatching(/cut\.tar: archive ends in the middle of member x\.bin/),
      expect.stringMatching(/cut\.tar\.gz: cannot read the gzip stream: unexpected end of file/),
      expect.stringMatching(/^cut-label: archive ends in the middle of member x\.bin/),
      expect.stringMatching(/cut\.tar\.gz: cannot read the gzip stream/),
    ]);
  });
});

describe('loaders end to end (file:// sources)', () => {
  it('loadCifar10: download, verify, extract, read', async () => {
    const cacheDir = join(tmp.dir, 'cache4');
    const source: RemoteFile = { url: fileUrl('cifar.tar.gz', cifarTar), fileName: 'cifar-10-binary.tar.gz', md5: md5(cifarTar) };
    const train = await loadCifar10({ split: 'train', cacheDir, source });
    expect(Array.from(train.labels)).toEqual([0, 9, 1, 9, 2, 9, 3, 9, 4, 9]);
    const test = await loadCifar10({ split: 'test', cacheDir, source });
    expect(Array.from(test.labels)).toEqual([4, 5, 6]);
    expect(existsSync(join(cacheDir, 'cifar10', 'cifar-10-batches-bin', 'data_batch_5.bin'))).toBe(true);
    const bad = await loadCifar10({ split: 'test', cacheDir: join(tmp.dir, 'cache5'), source: { ...source, md5: 'a'.repeat(32) } }).catch(
      (x: unknown) => x,
    );
    expect(bad).toBeInstanceOf(ChecksumMismatchError);
  });

  it('loadStl10: download, verify, extract, read', async () => {
    const cacheDir = join(tmp.dir, 'cache6');
    mkdirSync(cacheDir);
    const source: RemoteFile = { url: fileUrl('stl.tar.gz', stlTar), fileName: 'stl10_binary.tar.gz', md5: md5(stlTar) };
    const set = await loadStl10({ split: 'train+unlabeled', cacheDir, source });
    expect(Array.from(set.labels)).toEqual([2, 3, -1, -1]);
    const test = await loadStl10({ split: 'test', cacheDir, source });
    expect(Array.from(test.labels)).toEqual([9]);
  });
});
