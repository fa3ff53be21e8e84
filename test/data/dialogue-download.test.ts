import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dialogue from '../../data/dialogue/index.js';
import * as fetch from '../../data/fetch/index.js';
import {
  ChecksumMismatchError,
  DAILYDIALOG_CONVLAB,
  DownloadError,
  loadDailyDialog,
  loadTopicalChat,
  loadWizardOfWikipedia,
  TOPICAL_CHAT,
  WIZARD_OF_WIKIPEDIA,
} from '../../data/dialogue/index.js';
import { dialogueFixture } from './fixtures.js';

// The downloader itself (HTTP, redirects, checksums, mirrors, the cache) is tested in fetch.test.ts.

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const fileUrl = (path: string) => pathToFileURL(path).href;

let cache: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'demi-cache-'));
});
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('downloads', () => {
  it('data/dialogue re-exports the shared downloader and its errors (data/fetch)', () => {
    for (const name of ['ensureDownloaded', 'demiCacheDir', 'sha256File', 'DownloadError', 'ChecksumMismatchError'] as const) {
      expect(dialogue[name]).toBe(fetch[name]);
    }
  });

  it('the published pins are well-formed', () => {
    for (const spec of [DAILYDIALOG_CONVLAB, WIZARD_OF_WIKIPEDIA, ...Object.values(TOPICAL_CHAT)]) {
      expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(spec.url).toMatch(/^https?:\/\//);
    }
  });

  it('a missing source file is a DownloadError', async () => {
    await expect(
      loadTopicalChat('test_freq', { cacheDir: cache, source: { url: fileUrl('/nonexistent/test_freq.json') } }),
    ).rejects.toThrow(DownloadError);
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
