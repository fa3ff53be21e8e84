import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ChecksumMismatchError,
  DownloadError,
  ImageDataError,
  type RemoteFile,
  demiCacheDir,
  ensureDownloaded,
  extractTar,
  loadCifar10,
  loadStl10,
  readTarFile,
} from '../../data/vision/index.js';
import { cifarBinary, stlImages, tarArchive, tempDir } from './fixtures.js';

const tmp = tempDir();
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

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

let server: Server;
let base: string;
const requests: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = req.url === '/cifar.tar.gz' ? cifarTar : req.url === '/stl.tar.gz' ? stlTar : undefined;
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/cifar.tar.gz' });
      res.end();
    } else if (body) {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

describe('tar reader', () => {
  it('reads members of git-archive style archives (pax global header, pax and GNU long names, dirs)', async () => {
    const long = `top/${'d'.repeat(120)}/file.bin`;
    for (const gnuLongNames of [false, true]) {
      const path = join(tmp.dir, `a${gnuLongNames}.tar`);
      writeFileSync(
        path,
        tarArchive(
          [
            { path: 'top/', type: '5' },
            { path: 'top/a.txt', data: Buffer.from('hello') },
            { path: long, data: Buffer.alloc(1000, 7) },
            { path: 'top/b.txt', data: Buffer.from('world!') },
          ],
          { gnuLongNames },
        ),
      );
      const seen: [string, string, number][] = [];
      for await (const e of readTarFile(path)) {
        // read one member fully, one in part, skip the rest
        if (e.path === 'top/a.txt') expect((await e.read()).toString()).toBe('hello');
        if (e.path === long) for await (const piece of e.chunks()) { expect(piece[0]).toBe(7); break; }
        seen.push([e.path, e.type, e.size]);
      }
      expect(seen).toEqual([
        ['top/', 'directory', 0],
        ['top/a.txt', 'file', 5],
        [long, 'file', 1000],
        ['top/b.txt', 'file', 6],
      ]);
    }
  });

  it('truncated and corrupt archives are ImageDataErrors naming the archive', async () => {
    const tar = tarArchive([{ path: 'x.bin', data: Buffer.alloc(5000, 1) }]);
    const cut = join(tmp.dir, 'cut.tar');
    writeFileSync(cut, tar.subarray(0, 3000));
    const drain = async (p: string) => {
      for await (const e of readTarFile(p)) await e.read();
    };
    await expect(drain(cut)).rejects.toThrow(ImageDataError);
    await expect(drain(cut)).rejects.toThrow(/cut\.tar: archive ends in the middle of member x\.bin/);
    const noEnd = join(tmp.dir, 'noend.tar');
    writeFileSync(noEnd, tarArchive([{ path: 'x.bin', data: Buffer.alloc(10) }], { endBlocks: 0 }));
    await expect(drain(noEnd)).rejects.toThrow(/no end-of-archive marker/);
    const bad = Buffer.from(tar);
    bad[10] ^= 0xff; // a byte of the first header's name: its checksum no longer matches
    const corrupt = join(tmp.dir, 'corrupt.tar');
    writeFileSync(corrupt, bad);
    await expect(drain(corrupt)).rejects.toThrow(/tar header checksum mismatch/);
    const gz = tarArchive([{ path: 'x.bin', data: Buffer.alloc(5000, 1) }], { gzip: true });
    const cutGz = join(tmp.dir, 'cut.tar.gz');
    writeFileSync(cutGz, gz.subarray(0, gz.length - 10));
    await expect(drain(cutGz)).rejects.toThrow(/cut\.tar\.gz: cannot read the gzip stream/);
    writeFileSync(cutGz, gz.subarray(0, gz.length >> 1));
    await expect(drain(cutGz)).rejects.toThrow(/cut\.tar\.gz: cannot read the gzip stream: unexpected end of file/);
    const flipped = Buffer.from(gz);
    flipped[gz.length - 6] ^= 1; // the stored CRC-32
    writeFileSync(cutGz, flipped);
    await expect(drain(cutGz)).rejects.toThrow(/incorrect data check|cannot read the gzip stream/);
  });

  it('extractTar writes the wanted members under their base names', async () => {
    const path = join(tmp.dir, 'c.tar.gz');
    writeFileSync(path, cifarTar);
    const out = join(tmp.dir, 'extract');
    const written = await extractTar(path, out, (p) => p.endsWith('test_batch.bin'));
    expect([...written.keys()]).toEqual(['cifar-10-batches-bin/test_batch.bin']);
    expect(readFileSync(join(out, 'test_batch.bin'))).toEqual(cifarBinary([4, 5, 6]));
    expect(readdirSync(out)).toEqual(['test_batch.bin']);
  });
});

describe('ensureDownloaded', () => {
  it('cache root is $DEMI_CACHE, else ~/.cache/demi', () => {
    expect(demiCacheDir({ DEMI_CACHE: '/x/y' })).toBe('/x/y');
    expect(demiCacheDir({ HOME: '/home/u' })).toMatch(/\.cache[/\\]demi$/);
  });

  it('downloads over HTTP (following redirects), checks the MD5, caches without re-fetching', async () => {
    const cacheDir = join(tmp.dir, 'cache1');
    const spec: RemoteFile = { url: `${base}/moved`, fileName: 'c.tar.gz', md5: md5(cifarTar), bytes: cifarTar.length };
    const progress: number[] = [];
    const path = await ensureDownloaded(spec, { cacheDir, subdir: 'cifar10', onProgress: (r) => progress.push(r) });
    expect(path).toBe(join(cacheDir, 'cifar10', 'c.tar.gz'));
    expect(readFileSync(path)).toEqual(cifarTar);
    expect(progress[progress.length - 1]).toBe(cifarTar.length);
    const before = requests.length;
    expect(await ensureDownloaded(spec, { cacheDir, subdir: 'cifar10' })).toBe(path);
    expect(requests.length).toBe(before);
    // a damaged cached copy is detected and replaced
    writeFileSync(path, Buffer.from('garbage'));
    expect(readFileSync(await ensureDownloaded(spec, { cacheDir, subdir: 'cifar10' }))).toEqual(cifarTar);
    expect(requests.length).toBeGreaterThan(before);
  });

  it('a wrong MD5, SHA-256 or size is a ChecksumMismatchError and nothing is kept', async () => {
    const cacheDir = join(tmp.dir, 'cache2');
    for (const bad of [
      { md5: '0'.repeat(32) },
      { md5: md5(cifarTar), sha256: 'f'.repeat(64) },
      { sha256: sha(cifarTar), bytes: cifarTar.length + 1 },
    ]) {
      const e = await ensureDownloaded({ url: `${base}/cifar.tar.gz`, fileName: 'x.tar.gz', ...bad }, { cacheDir }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ChecksumMismatchError);
      expect((e as Error).message).toMatch(/it was not kept/);
      expect(existsSync(join(cacheDir, 'x.tar.gz'))).toBe(false);
      expect(readdirSync(cacheDir).filter((f) => f.includes('partial'))).toEqual([]);
    }
  });

  it('HTTP errors are DownloadErrors; a mirror is tried next; file:// URLs work', async () => {
    const cacheDir = join(tmp.dir, 'cache3');
    const e = await ensureDownloaded({ url: `${base}/missing`, fileName: 'm', md5: md5(cifarTar) }, { cacheDir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as Error).message).toMatch(/HTTP 404/);
    const viaMirror = await ensureDownloaded(
      { url: `${base}/missing`, mirrors: [`${base}/cifar.tar.gz`], fileName: 'm', md5: md5(cifarTar) },
      { cacheDir },
    );
    expect(readFileSync(viaMirror)).toEqual(cifarTar);
    const local = join(tmp.dir, 'local.tar.gz');
    writeFileSync(local, stlTar);
    const viaFile = await ensureDownloaded({ url: pathToFileURL(local).href, fileName: 'f', sha256: sha(stlTar) }, { cacheDir });
    expect(readFileSync(viaFile)).toEqual(stlTar);
    await expect(ensureDownloaded({ url: `${base}/x`, fileName: 'n' }, { cacheDir })).rejects.toThrow(/needs a sha256 or an md5/);
  });
});

describe('loaders end to end (local server)', () => {
  it('loadCifar10: download, verify, extract, read', async () => {
    const cacheDir = join(tmp.dir, 'cache4');
    const source: RemoteFile = { url: `${base}/cifar.tar.gz`, fileName: 'cifar-10-binary.tar.gz', md5: md5(cifarTar) };
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
    const source: RemoteFile = { url: `${base}/stl.tar.gz`, fileName: 'stl10_binary.tar.gz', md5: md5(stlTar) };
    const set = await loadStl10({ split: 'train+unlabeled', cacheDir, source });
    expect(Array.from(set.labels)).toEqual([2, 3, -1, -1]);
    const test = await loadStl10({ split: 'test', cacheDir, source });
    expect(Array.from(test.labels)).toEqual([9]);
  });
});
