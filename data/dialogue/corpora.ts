/**
 * The published corpora: where each is published, pinned by SHA-256, and one call per corpus split
 * that downloads it (pinned SHA-256 and size, cached) or takes a local file, then reads it. URLs on
 * GitHub are pinned to a commit so the bytes cannot change under the hash; provenance says where
 * each hash was taken from.
 *
 *   await loadDailyDialog('train')                          // ConvLab zip from GitHub, cached
 *   await loadDailyDialog('test', { format: 'original' })  // the authors' __eou__ release
 *   await loadDailyDialog('train', { path: 'downloads/dailydialog/data.zip' })
 *   await loadWizardOfWikipedia('valid_random_split')
 *   await loadTopicalChat('test_freq')
 *
 * `path` skips the download (and its checksum); `source` overrides the published URL/hash (a
 * mirror, or a file:// URL in tests).
 */

import { statSync } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type DownloadOptions, type RemoteFile, demiCacheDir, ensureDownloaded } from '../fetch/index.js';
import { ConfigError } from '../../core/index.js';
import { DatasetFormatError } from '../errors.js';
import { ZipArchive, extractTarGz } from './archives.js';
import type { Episode } from './episodes.js';
import {
  WOW_SPLITS,
  type WizardOfWikipediaOptions,
  type WizardOfWikipediaSplit,
  parseDailyDialogText,
  type CorpusText,
  readConvLabUnifiedZip,
  readDailyDialogText,
  readTopicalChat,
  readWizardOfWikipedia,
} from './readers.js';

// ---- where each corpus is published

/** DailyDialog, ConvLab-3 "unified" version (CC BY-NC-SA 4.0): data/dialogues.json inside a zip. */
export const DAILYDIALOG_CONVLAB: RemoteFile = {
  url:
    'https://raw.githubusercontent.com/ConvLab/ConvLab-3/2a168fc9843e54a468ddec71e001b7559c36aff4/' +
    'data/unified_datasets/dailydialog/data.zip',
  sha256: 'b1f38f3bf5431f9384107011a943f1a3446027721292e3a248a894b7766fa9d3',
  fileName: 'dailydialog-convlab-data.zip',
  bytes: 3738236,
  provenance: "hash of the file at that commit (recorded in the project's data notes)",
};

/** DailyDialog, the authors' original release (CC BY-NC-SA 4.0): `__eou__` text files in nested zips. */
export const DAILYDIALOG_ORIGINAL: RemoteFile = {
  url: 'http://yanran.li/files/ijcnlp_dailydialog.zip',
  sha256: 'c641e88cbf21fd7c1b57289387f9107d33fe8685a2b37fe8066b82776535ea89',
  fileName: 'ijcnlp_dailydialog.zip',
  bytes: 4475921,
  provenance: 'huggingface/datasets datasets/daily_dialog/dataset_infos.json (download_checksums)',
};

/** Wizard of Wikipedia (Dinan et al. 2019), ParlAI's release: JSON files in a .tgz. */
export const WIZARD_OF_WIKIPEDIA: RemoteFile = {
  url: 'http://parl.ai/downloads/wizard_of_wikipedia/wizard_of_wikipedia.tgz',
  sha256: '2a549627a83fea745efa2076a41d1c0078ad002ab2b54eae6a4e3d3d66ae24b7',
  fileName: 'wizard_of_wikipedia.tgz',
  provenance: 'facebookresearch/ParlAI parlai/tasks/wizard_of_wikipedia/build.py (RESOURCES)',
};

export const TOPICAL_CHAT_SPLITS = ['train', 'valid_freq', 'valid_rare', 'test_freq', 'test_rare'] as const;
export type TopicalChatSplit = (typeof TOPICAL_CHAT_SPLITS)[number];

const TOPICAL_CHAT_COMMIT = '7c939229cbcf6f55f6977b341a5a2f2fe982d53f';
const topicalChat = (split: TopicalChatSplit, sha256: string, bytes?: number): RemoteFile => ({
  url: `https://raw.githubusercontent.com/alexa/Topical-Chat/${TOPICAL_CHAT_COMMIT}/conversations/${split}.json`,
  sha256,
  fileName: `${split}.json`,
  ...(bytes === undefined ? {} : { bytes }),
  provenance:
    split === 'train'
      ? 'facebookresearch/ParlAI parlai/tasks/topical_chat/build.py (RESOURCES)'
      : "the project's data notes; ParlAI topical_chat/build.py pins the same hash",
});

/** Topical-Chat (Gopalakrishnan et al. 2019, CDLA-Sharing-1.0), one JSON file per split. */
export const TOPICAL_CHAT: Record<TopicalChatSplit, RemoteFile> = {
  train: topicalChat('train', '39a079d8464ea5f44f0fd78dbc85fd4eed96303347cbf4f9301f823e3c0f437f'),
  valid_freq: topicalChat('valid_freq', 'd14e8bde94fa5556d4aad8fd3fb666df674e4fef8b4193c8c3c06c72822a366b', 3785264),
  valid_rare: topicalChat('valid_rare', 'b0f3c59584ea4ed61e368dc94feade6ba499a207a6437573b028d1f3ff918714', 3779017),
  test_freq: topicalChat('test_freq', '3c65693d59e40a1fb58ead35dcfe85fbcc88ea93a4d74557df620996f72c8f08', 3806399),
  test_rare: topicalChat('test_rare', '4f21a18be16e310840280678e7bb4646852573b239b69183ddf8898f40119567', 3787189),
};

// ---- loading a split

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
    throw new ConfigError(`${corpus}: unknown split "${split}" (splits: ${allowed.join(', ')})`, { hint: 'pick one of those splits' });
  }
}

/** Each published corpus's evaluation split: what a command reads when it is given no split. */
export const TEST_SPLITS = { dailydialog: 'test', 'topical-chat': 'test_freq', 'wizard-of-wikipedia': 'test_random_split' } as const;

/**
 * The file of `split` at a local `path`: a directory holds it under its published name; a file
 * published as another split's is refused (reading test_freq.json for --split train would
 * silently evaluate on the wrong split); any other file is taken as the split asked for.
 */
function localSplitFile<T extends string>(path: string, split: T, splits: readonly T[], fileOf: (s: T) => string, corpus: string): string {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return join(path, fileOf(split));
  const other = splits.find((s) => s !== split && basename(path) === fileOf(s));
  if (other !== undefined) {
    throw new ConfigError(`${corpus}: ${path} is the "${other}" split, but split "${split}" was asked for`, {
      hint: `pass split "${other}" (demi generate: --split ${other}), or the file of split "${split}" (${fileOf(split)})`,
    });
  }
  return path;
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

/**
 * DailyDialog: 'convlab' (default; ConvLab-3 unified zip, detokenised text, speakers user/system) or
 * 'original' (the authors' zip or a dialogues_<split>.txt; tokenised text, speakers A/B). `text`
 * ('repaired' by default, or 'as-published') applies to the ConvLab text, whose contraction casing
 * ("I'Ve") the reader repairs; the original release is kept as written either way.
 */
export async function loadDailyDialog(
  split: DailyDialogSplit,
  options: CorpusOptions & { format?: 'convlab' | 'original'; text?: CorpusText } = {},
): Promise<Episode[]> {
  assertSplit(split, DAILYDIALOG_SPLITS, 'DailyDialog');
  const format = options.format ?? 'convlab';
  if (format === 'convlab') {
    const zip = options.path ?? (await fetchFile(DAILYDIALOG_CONVLAB, 'dailydialog', options));
    return readConvLabUnifiedZip(zip, split, { text: options.text });
  }
  if (options.path?.endsWith('.txt')) {
    return readDailyDialogText(localSplitFile(options.path, split, DAILYDIALOG_SPLITS, (s) => `dialogues_${s}.txt`, 'DailyDialog'));
  }
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
  if (options.path?.endsWith('.json') || (options.path && statSync(options.path, { throwIfNoEntry: false })?.isDirectory())) {
    return readWizardOfWikipedia(localSplitFile(options.path, split, WOW_SPLITS, (s) => `${s}.json`, 'Wizard of Wikipedia'), options);
  }
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
  const file = options.path !== undefined
    ? localSplitFile(options.path, split, TOPICAL_CHAT_SPLITS, (s) => `${s}.json`, 'Topical-Chat')
    : await fetchFile(TOPICAL_CHAT[split], 'topical-chat', options);
  return readTopicalChat(file);
}
