import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ChecksumMismatchError,
  DAILYDIALOG_CONVLAB,
  DownloadError,
  demiCacheDir,
  ensureDownloaded,
  loadDailyDialog,
  loadTopicalChat,
  loadWizardOfWikipedia,
  TOPICAL_CHAT,
  WIZARD_OF_WIKIPEDIA,
} from '../../data/dialogue/index.js';
import { dialogueFixture } from './fixtures.js';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const fileUrl = (path: string) => pathToFileURL(path).href;

let cache: string;
let server: Server;
let base: string;
let requests = 0;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'demi-cache-'));
  // A loopback HTTP server, so the fetch path is exercised without the network.
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/data.zip') {
      const body = readFileSync(dialogueFixture('convlab-data.zip'));
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/data.zip' });
      res.end();
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
  rmSync(cache, { recursive: true, force: true });
});

describe('cache directory', () => {
  it('is $DEMI_CACHE when set, else ~/.cache/demi', () => {
    expect(demiCacheDir({ DEMI_CACHE: '/x/y' })).toBe('/x/y');
    expect(demiCacheDir({ HOME: '/home/u' })).toMatch(/\.cache[/\\]demi$/);
  });
});

describe('ensureDownloaded', () => {
  const zip = dialogueFixture('convlab-data.zip');

  it('downloads over HTTP (following redirects), verifies the hash, and caches', async () => {
    const spec = { url: `${base}/moved`, sha256: sha(zip), fileName: 'data.zip' };
    const progress: number[] = [];
    const path = await ensureDownloaded(spec, { cacheDir: cache, subdir: 'http', onProgress: (r) => progress.push(r) });
    expect(readFileSync(path)).toEqual(readFileSync(zip));
    expect(progress[progress.length - 1]).toBe(readFileSync(zip).length);
    const before = requests;
    expect(await ensureDownloaded(spec, { cacheDir: cache, subdir: 'http' })).toBe(path);
    expect(requests).toBe(before); // served from the cache
    expect(readdirSync(join(cache, 'http')).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('a wrong hash is a ChecksumMismatchError and nothing is kept', async () => {
    const spec = { url: `${base}/data.zip`, sha256: 'a'.repeat(64), fileName: 'bad.zip' };
    const e = await ensureDownloaded(spec, { cacheDir: cache, subdir: 'bad' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChecksumMismatchError);
    expect((e as ChecksumMismatchError).actual).toBe(sha(zip));
    expect(readdirSync(join(cache, 'bad'))).toEqual([]);
  });

  it('HTTP errors and missing files are DownloadErrors', async () => {
    await expect(
      ensureDownloaded({ url: `${base}/nope`, sha256: 'a'.repeat(64), fileName: 'x' }, { cacheDir: cache }),
    ).rejects.toThrow(DownloadError);
    await expect(
      ensureDownloaded({ url: `${base}/nope`, sha256: 'a'.repeat(64), fileName: 'x' }, { cacheDir: cache }),
    ).rejects.toThrow(/HTTP 404/);
    await expect(
      ensureDownloaded({ url: fileUrl('/nonexistent/file.zip'), sha256: 'a'.repeat(64), fileName: 'y' }, { cacheDir: cache }),
    ).rejects.toThrow(DownloadError);
    await expect(
      ensureDownloaded({ url: 'ftp://example.org/x', sha256: 'a'.repeat(64), fileName: 'z' }, { cacheDir: cache }),
    ).rejects.toThrow(/unsupported URL scheme/);
  });

  it('copies file:// URLs; a corrupted cached copy is detected and replaced', async () => {
    const spec = { url: fileUrl(zip), sha256: sha(zip), fileName: 'data.zip' };
    const path = await ensureDownloaded(spec, { cacheDir: cache, subdir: 'file' });
    writeFileSync(path, 'garbage');
    utimesSync(path, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const again = await ensureDownloaded(spec, { cacheDir: cache, subdir: 'file' });
    expect(sha(again)).toBe(sha(zip));
  });

  it('the published pins are well-formed', () => {
    for (const spec of [DAILYDIALOG_CONVLAB, WIZARD_OF_WIKIPEDIA, ...Object.values(TOPICAL_CHAT)]) {
      expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(spec.url).toMatch(/^https?:\/\//);
    }
  });
});

describe('corpus loaders, with the source pointed at local fixtures', () => {
  it('DailyDialog (ConvLab zip) via file:// source and via a local path', async () => {
    const zip = dialogueFixture('convlab-data.zip');
    const train = await loadDailyDialog('train', { cacheDir: cache, source: { url: fileUrl(zip), sha256: sha(zip) } });
    expect(train).toHaveLength(2);
    expect(existsSync(join(cache, 'dailydialog', DAILYDIALOG_CONVLAB.fileName))).toBe(true);
    expect(await loadDailyDialog('validation', { path: zip })).toHaveLength(1);
    await expect(loadDailyDialog('dev' as never, { path: zip })).rejects.toThrow(/unknown split "dev"/);
  });

  it('DailyDialog (original zip with nested split zips)', async () => {
    const zip = dialogueFixture('ijcnlp_dailydialog.zip');
    const test = await loadDailyDialog('test', {
      format: 'original',
      cacheDir: cache,
      source: { url: fileUrl(zip), sha256: sha(zip) },
    });
    expect(test.map((e) => e.id)).toEqual(['test-0', 'test-1']);
    expect(test[1].turns.map((t) => t.text)).toEqual(['How much is the rent ?', '800 dollars a month .', "That's a bit high ."]);
    const train = await loadDailyDialog('train', { format: 'original', path: zip });
    expect(train.map((e) => e.turns.length)).toEqual([3, 2, 4]);
    const txt = await loadDailyDialog('validation', { format: 'original', path: dialogueFixture('dialogues_validation.txt') });
    expect(txt).toHaveLength(1);
  });

  it('Wizard of Wikipedia: downloads the .tgz, extracts the split once, reads it', async () => {
    const tgz = dialogueFixture('wizard_of_wikipedia.tgz');
    const opts = { cacheDir: cache, source: { url: fileUrl(tgz), sha256: sha(tgz) } };
    const eps = await loadWizardOfWikipedia('valid_random_split', opts);
    expect(eps).toHaveLength(2);
    const json = join(cache, 'wizard_of_wikipedia', 'valid_random_split.json');
    expect(readFileSync(json, 'utf8')).toBe(readFileSync(dialogueFixture('valid_random_split.json'), 'utf8'));
    expect(await loadWizardOfWikipedia('test_random_split', opts)).toEqual([]);
    await expect(loadWizardOfWikipedia('train', opts)).rejects.toThrow(/no train\.json in the archive/);
    expect(await loadWizardOfWikipedia('valid_random_split', { path: dialogueFixture('valid_random_split.json') })).toHaveLength(2);
  });

  it('Topical-Chat via file:// source', async () => {
    const file = dialogueFixture('test_freq.json');
    const eps = await loadTopicalChat('test_freq', { cacheDir: cache, source: { url: fileUrl(file), sha256: sha(file) } });
    expect(eps.map((e) => e.id)).toEqual(['t_0001', 't_0002']);
    await expect(
      loadTopicalChat('test_rare', { cacheDir: cache, source: { url: fileUrl(file) } }), // the real pin: mismatch
    ).rejects.toThrow(ChecksumMismatchError);
  });
});
