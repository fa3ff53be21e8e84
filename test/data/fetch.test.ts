import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ArchiveFormatError,
  ChecksumMismatchError,
  DownloadError,
  type RemoteFile,
  cacheSubdir,
  demiCacheDir,
  ensureDownloaded,
  extractTar,
  hashFile,
  readTarFile,
  sha256File,
} from '../../data/fetch/index.js';
import { tarArchive, tempDir } from '../vision-data/fixtures.js';
import { dialogueFixture } from './fixtures.js';

const tmp = tempDir('demi-fetch-');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fileUrl = (path: string) => pathToFileURL(path).href;

const archive = tarArchive(
  [
    { path: 'top/', type: '5' },
    { path: 'top/a.bin', data: Buffer.alloc(3000, 1) },
    { path: 'top/b.txt', data: Buffer.from('hello') },
  ],
  { gzip: true },
);

let server: Server;
let base: string;
const requests: string[] = [];
beforeAll(async () => {
  // A loopback HTTP server, so the fetch path is exercised without the network.
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/a.tar.gz' });
      res.end();
    } else if (req.url === '/a.tar.gz') {
      res.writeHead(200, { 'content-length': archive.length });
      res.end(archive);
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

describe('cache directory and hashes', () => {
  it('the cache root is $DEMI_CACHE when set, else ~/.cache/demi; subdir goes below it', () => {
    expect(demiCacheDir({ DEMI_CACHE: '/x/y' })).toBe('/x/y');
    expect(demiCacheDir({ DEMI_CACHE: '', HOME: '/home/u' })).toMatch(/\.cache[/\\]demi$/);
    expect(cacheSubdir({ cacheDir: '/c', subdir: 'cifar10' })).toBe(join('/c', 'cifar10'));
    expect(cacheSubdir({ cacheDir: '/c' })).toBe('/c');
  });

  it('hashFile and sha256File stream a file', async () => {
    const path = join(tmp.dir, 'h.bin');
    writeFileSync(path, archive);
    expect(await sha256File(path)).toBe(sha(archive));
    expect(await hashFile(path)).toBe(sha(archive));
    expect(await hashFile(path, 'md5')).toBe(md5(archive));
  });
});

describe('ensureDownloaded', () => {
  it('downloads over HTTP (following redirects), checks MD5 and size, caches without re-fetching', async () => {
    const cacheDir = join(tmp.dir, 'cache-http');
    const spec: RemoteFile = { url: `${base}/moved`, fileName: 'a.tar.gz', md5: md5(archive), bytes: archive.length };
    const progress: number[] = [];
    const path = await ensureDownloaded(spec, { cacheDir, subdir: 'sub', onProgress: (r) => progress.push(r) });
    expect(path).toBe(join(cacheDir, 'sub', 'a.tar.gz'));
    expect(readFileSync(path)).toEqual(archive);
    expect(progress[progress.length - 1]).toBe(archive.length);
    expect(JSON.parse(readFileSync(`${path}.verified`, 'utf8'))).toMatchObject({ md5: md5(archive), size: archive.length });
    expect(readdirSync(join(cacheDir, 'sub')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const before = requests.length;
    expect(await ensureDownloaded(spec, { cacheDir, subdir: 'sub' })).toBe(path);
    expect(requests.length).toBe(before); // served from the cache
    // force downloads again
    await ensureDownloaded(spec, { cacheDir, subdir: 'sub', force: true });
    expect(requests.length).toBeGreaterThan(before);
  });

  it('a damaged cached copy is detected and replaced; an unstamped good copy is kept', async () => {
    const cacheDir = join(tmp.dir, 'cache-damaged');
    const spec: RemoteFile = { url: `${base}/a.tar.gz`, fileName: 'a.tar.gz', sha256: sha(archive) };
    const path = await ensureDownloaded(spec, { cacheDir });
    writeFileSync(path, Buffer.from('garbage'));
    utimesSync(path, new Date(2001, 1, 1), new Date(2001, 1, 1));
    let before = requests.length;
    expect(readFileSync(await ensureDownloaded(spec, { cacheDir }))).toEqual(archive);
    expect(requests.length).toBe(before + 1);
    // a good copy without a stamp (copied in by hand, or stamped by an older version) is re-hashed, not re-fetched
    writeFileSync(`${path}.verified`, '{}');
    before = requests.length;
    expect(await ensureDownloaded(spec, { cacheDir })).toBe(path);
    expect(requests.length).toBe(before);
    expect(JSON.parse(readFileSync(`${path}.verified`, 'utf8')).sha256).toBe(sha(archive));
  });

  it('a wrong MD5, SHA-256 or size is a ChecksumMismatchError and nothing is kept', async () => {
    const cacheDir = join(tmp.dir, 'cache-bad');
    for (const [bad, algorithm, actual] of [
      [{ md5: '0'.repeat(32) }, 'md5', md5(archive)],
      [{ md5: md5(archive), sha256: 'f'.repeat(64) }, 'sha256', sha(archive)],
      [{ sha256: sha(archive), bytes: archive.length + 1 }, 'size', `${archive.length} bytes`],
    ] as const) {
      const e = await ensureDownloaded({ url: `${base}/a.tar.gz`, fileName: 'x.tar.gz', ...bad }, { cacheDir }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ChecksumMismatchError);
      expect(e).toMatchObject({ algorithm, actual });
      expect((e as Error).message).toMatch(/it was not kept/);
      expect(existsSync(join(cacheDir, 'x.tar.gz'))).toBe(false);
      expect(readdirSync(cacheDir).filter((f) => f.includes('partial'))).toEqual([]);
    }
  });

  it('HTTP errors, missing files, bad URLs are DownloadErrors; a mirror is tried next', async () => {
    const cacheDir = join(tmp.dir, 'cache-errors');
    const pin = { fileName: 'm', md5: md5(archive) };
    const e = await ensureDownloaded({ url: `${base}/missing`, ...pin }, { cacheDir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as Error).message).toMatch(/HTTP 404/);
    await expect(ensureDownloaded({ url: fileUrl('/nonexistent/file.zip'), ...pin }, { cacheDir })).rejects.toThrow(DownloadError);
    await expect(ensureDownloaded({ url: 'ftp://example.org/x', ...pin }, { cacheDir })).rejects.toThrow(/unsupported URL scheme/);
    await expect(ensureDownloaded({ url: 'not a url', ...pin }, { cacheDir })).rejects.toThrow(DownloadError);
    const viaMirror = await ensureDownloaded({ url: `${base}/missing`, mirrors: [`${base}/nope`, `${base}/a.tar.gz`], ...pin }, { cacheDir });
    expect(readFileSync(viaMirror)).toEqual(archive);
    // every URL failing: the last failure is reported
    await expect(
      ensureDownloaded({ url: `${base}/missing`, mirrors: [`${base}/a.tar.gz`], fileName: 'w', md5: 'a'.repeat(32) }, { cacheDir }),
    ).rejects.toThrow(ChecksumMismatchError);
  });

  it('copies file:// URLs', async () => {
    const local = join(tmp.dir, 'local.tar.gz');
    writeFileSync(local, archive);
    const path = await ensureDownloaded({ url: fileUrl(local), fileName: 'f', sha256: sha(archive) }, { cacheDir: join(tmp.dir, 'cache-file') });
    expect(readFileSync(path)).toEqual(archive);
  });

  it('a pin needs a well-formed sha256 or md5', async () => {
    const cacheDir = join(tmp.dir, 'cache-pins');
    await expect(ensureDownloaded({ url: `${base}/x`, fileName: 'n' }, { cacheDir })).rejects.toThrow(/needs a sha256 or an md5/);
    await expect(ensureDownloaded({ url: `${base}/x`, fileName: 'n', sha256: 'abc' }, { cacheDir })).rejects.toThrow(RangeError);
    await expect(ensureDownloaded({ url: `${base}/x`, fileName: 'n', md5: 'xyz' }, { cacheDir })).rejects.toThrow(/md5 must be 32 hex/);
  });
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

  it('truncated and corrupt archives are ArchiveFormatErrors naming the archive', async () => {
    const tar = tarArchive([{ path: 'x.bin', data: Buffer.alloc(5000, 1) }]);
    const cut = join(tmp.dir, 'cut.tar');
    writeFileSync(cut, tar.subarray(0, 3000));
    const drain = async (p: string) => {
      for await (const e of readTarFile(p)) await e.read();
    };
    await expect(drain(cut)).rejects.toThrow(ArchiveFormatError);
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

  it('the caller chooses the error type (formatError)', async () => {
    class MyError extends Error {}
    const cut = join(tmp.dir, 'cut2.tar');
    writeFileSync(cut, tarArchive([{ path: 'x.bin', data: Buffer.alloc(5000, 1) }]).subarray(0, 3000));
    const options = { formatError: (file: string, problem: string) => new MyError(`${file}: ${problem}`) };
    const drain = async () => {
      for await (const e of readTarFile(cut, options)) await e.read();
    };
    await expect(drain()).rejects.toThrow(MyError);
    await expect(extractTar(cut, join(tmp.dir, 'cut2'), () => true, options)).rejects.toThrow(/cut2\.tar: archive ends/);
  });
});

describe('extractTar', () => {
  it('writes the wanted members under their base names', async () => {
    const path = join(tmp.dir, 'e.tar.gz');
    writeFileSync(path, archive);
    const out = join(tmp.dir, 'extract');
    const written = await extractTar(path, out, (p) => p.endsWith('b.txt'));
    expect([...written.keys()]).toEqual(['top/b.txt']);
    expect(readFileSync(join(out, 'b.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(out)).toEqual(['b.txt']);
  });

  it('steps over pax headers (fixture written by Python tarfile)', async () => {
    const out = join(tmp.dir, 'pax');
    mkdirSync(out);
    const written = await extractTar(dialogueFixture('wizard_of_wikipedia.tgz'), out, (n) => n.endsWith('valid_random_split.json'));
    expect([...written.keys()]).toEqual(['./valid_random_split.json']);
    expect(readdirSync(out)).toEqual(['valid_random_split.json']);
    expect(readFileSync(join(out, 'valid_random_split.json'), 'utf8')).toBe(
      readFileSync(dialogueFixture('valid_random_split.json'), 'utf8'),
    );
  });

  it('resolves GNU long names (fixture written by Python tarfile)', async () => {
    const out = join(tmp.dir, 'gnu');
    const written = await extractTar(dialogueFixture('gnu-longname.tgz'), out, (n) => n.endsWith('/train.json'));
    const [name] = [...written.keys()];
    expect(name).toBe(`wizard_of_wikipedia/${'d'.repeat(110)}/train.json`);
    expect(JSON.parse(readFileSync(join(out, 'train.json'), 'utf8'))).toHaveLength(1);
  });

  it('a truncated archive is an error and leaves no partial file', async () => {
    const bytes = readFileSync(dialogueFixture('wizard_of_wikipedia.tgz'));
    const cut = join(tmp.dir, 'cut.tgz');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const out = join(tmp.dir, 'cut');
    await expect(extractTar(cut, out, () => true)).rejects.toThrow(ArchiveFormatError);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
