/**
 * One call per corpus split: download (pinned SHA-256 and size, cached) or take a local file,
 * then read it.
 *
 *   await loadDailyDialog('train')                          // ConvLab zip from GitHub, cached
 *   await loadDailyDialog('test', { format: 'original' })  // the authors' __eou__ release
 *   await loadDailyDialog('train', { path: '../shared/data/dialogue/dailydialog/data.zip' })
 *   await loadWizardOfWikipedia('valid_random_split')
 *   await loadTopicalChat('test_freq')
 *
 * `path` skips the download (and its checksum); `source` overrides the published URL/hash (a
 * mirror, or a file:// URL in tests).
 */

import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type DownloadOptions, type RemoteFile, demiCacheDir, ensureDownloaded } from '../fetch/index.js';
import { extractTarGz } from './archives.js';
import { readConvLabUnifiedZip } from './convlab.js';
import { parseDailyDialogText, readDailyDialogText } from './dailydialog-text.js';
import type { Episode } from './episode.js';
import { DatasetFormatError } from '../errors.js';
import {
  DAILYDIALOG_CONVLAB,
  DAILYDIALOG_ORIGINAL,
  TOPICAL_CHAT,
  TOPICAL_CHAT_SPLITS,
  type TopicalChatSplit,
  WIZARD_OF_WIKIPEDIA,
} from './sources.js';
import { readTopicalChat } from './topical-chat.js';
import {
  WOW_SPLITS,
  type WizardOfWikipediaOptions,
  type WizardOfWikipediaSplit,
  readWizardOfWikipedia,
} from './wizard-of-wikipedia.js';
import { ZipArchive } from './zip-reader.js';

export const DAILYDIALOG_SPLITS = ['train', 'validation', 'test'] as const;
export type DailyDialogSplit = (typeof DAILYDIALOG_SPLITS)[number];

export interface CorpusOptions extends DownloadOptions {
  /** A local copy of the published file: no download, no checksum. */
  path?: string;
  /**
   * Replaces fields of the published source: a url alone for a mirror of the same bytes; a url and
   * a checksum (sha256 or md5, with bytes if known) for other bytes.
   */
  source?: Partial<RemoteFile>;
}

function assertSplit<T extends string>(split: string, allowed: readonly T[], corpus: string): asserts split is T {
  if (!(allowed as readonly string[]).includes(split)) {
    throw new RangeError(`${corpus}: unknown split "${split}" (splits: ${allowed.join(', ')})`);
  }
}

/**
 * The published pin with `options.source` laid over it. A source that brings its own checksum
 * pins other bytes, so the pin's checksums and size (which ensureDownloaded checks too) give way to
 * the source's.
 */
function withSource(spec: RemoteFile, source: Partial<RemoteFile> | undefined): RemoteFile {
  if (!source) return spec;
  if (source.sha256 === undefined && source.md5 === undefined) return { ...spec, ...source };
  const { sha256: _sha256, md5: _md5, bytes: _bytes, ...rest } = spec;
  return { ...rest, ...source };
}

async function fetchFile(spec: RemoteFile, subdir: string, options: CorpusOptions): Promise<string> {
  return ensureDownloaded(withSource(spec, options.source), { ...options, subdir });
}

/** DailyDialog: 'convlab' (default; ConvLab-3 unified zip, detokenised text, speakers user/system) or
 * 'original' (the authors' zip or a dialogues_<split>.txt; tokenised text, speakers A/B). */
export async function loadDailyDialog(
  split: DailyDialogSplit,
  options: CorpusOptions & { format?: 'convlab' | 'original' } = {},
): Promise<Episode[]> {
  assertSplit(split, DAILYDIALOG_SPLITS, 'DailyDialog');
  const format = options.format ?? 'convlab';
  if (format === 'convlab') {
    const zip = options.path ?? (await fetchFile(DAILYDIALOG_CONVLAB, 'dailydialog', options));
    return readConvLabUnifiedZip(zip, split);
  }
  if (options.path?.endsWith('.txt')) return readDailyDialogText(options.path);
  const zipPath = options.path ?? (await fetchFile(DAILYDIALOG_ORIGINAL, 'dailydialog', options));
  const outer = await ZipArchive.open(zipPath);
  const inner = outer.findBySuffix(`${split}.zip`);
  if (!inner) {
    throw new DatasetFormatError(zipPath, {}, `no ${split}.zip inside`, 'pass the authors\' ijcnlp_dailydialog.zip');
  }
  const innerZip = ZipArchive.fromBuffer(outer.read(inner), `${zipPath}!${inner.name}`);
  const text = innerZip.findBySuffix(`dialogues_${split}.txt`);
  if (!text) throw new DatasetFormatError(innerZip.file, {}, `no dialogues_${split}.txt inside`);
  return parseDailyDialogText(innerZip.readText(text), `${innerZip.file}!${text.name}`, split);
}

/** Wizard of Wikipedia (ParlAI JSON). `path` may be a split's .json or the .tgz. */
export async function loadWizardOfWikipedia(
  split: WizardOfWikipediaSplit,
  options: CorpusOptions & WizardOfWikipediaOptions = {},
): Promise<Episode[]> {
  assertSplit(split, WOW_SPLITS, 'Wizard of Wikipedia');
  if (options.path?.endsWith('.json')) return readWizardOfWikipedia(options.path, options);
  const tgz = options.path ?? (await fetchFile(WIZARD_OF_WIKIPEDIA, 'wizard_of_wikipedia', options));
  const outDir = options.path ? join(options.cacheDir ?? demiCacheDir(), 'wizard_of_wikipedia') : dirname(tgz);
  const json = join(outDir, `${split}.json`);
  const marker = `${json}.source`;
  const tgzStat = await stat(tgz);
  const tgzId = `${tgz}:${tgzStat.size}:${tgzStat.mtimeMs}`;
  const fresh = await access(json).then(
    async () => (await readFile(marker, 'utf8').catch(() => '')) === tgzId,
    () => false,
  );
  if (!fresh) {
    await mkdir(outDir, { recursive: true });
    const written = await extractTarGz(tgz, outDir, (name) => basename(name) === `${split}.json`);
    if (written.size === 0) throw new DatasetFormatError(tgz, {}, `no ${split}.json in the archive`);
    await writeFile(marker, tgzId);
  }
  return readWizardOfWikipedia(json, options);
}

/** Topical-Chat, one JSON file per split. */
export async function loadTopicalChat(split: TopicalChatSplit, options: CorpusOptions = {}): Promise<Episode[]> {
  assertSplit(split, TOPICAL_CHAT_SPLITS, 'Topical-Chat');
  const file = options.path ?? (await fetchFile(TOPICAL_CHAT[split], 'topical-chat', options));
  return readTopicalChat(file);
}
