/**
 * Where each corpus is published, pinned by SHA-256. URLs on GitHub are pinned to a commit so the
 * bytes cannot change under the hash. Provenance says where each hash was taken from.
 */

import type { RemoteFile } from '../fetch/index.js';

/** DailyDialog, ConvLab-3 "unified" version (CC BY-NC-SA 4.0): data/dialogues.json inside a zip. */
export const DAILYDIALOG_CONVLAB: RemoteFile = {
  url:
    'https://raw.githubusercontent.com/ConvLab/ConvLab-3/2a168fc9843e54a468ddec71e001b7559c36aff4/' +
    'data/unified_datasets/dailydialog/data.zip',
  sha256: 'b1f38f3bf5431f9384107011a943f1a3446027721292e3a248a894b7766fa9d3',
  fileName: 'dailydialog-convlab-data.zip',
  bytes: 3738236,
  provenance: 'hash of the file at that commit (recorded in the project data notes, ../shared/data/SOURCES.md)',
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
      : 'project data notes (../shared/data/SOURCES.md); ParlAI topical_chat/build.py pins the same hash',
});

/** Topical-Chat (Gopalakrishnan et al. 2019, CDLA-Sharing-1.0), one JSON file per split. */
export const TOPICAL_CHAT: Record<TopicalChatSplit, RemoteFile> = {
  train: topicalChat('train', '39a079d8464ea5f44f0fd78dbc85fd4eed96303347cbf4f9301f823e3c0f437f'),
  valid_freq: topicalChat('valid_freq', 'd14e8bde94fa5556d4aad8fd3fb666df674e4fef8b4193c8c3c06c72822a366b', 3785264),
  valid_rare: topicalChat('valid_rare', 'b0f3c59584ea4ed61e368dc94feade6ba499a207a6437573b028d1f3ff918714', 3779017),
  test_freq: topicalChat('test_freq', '3c65693d59e40a1fb58ead35dcfe85fbcc88ea93a4d74557df620996f72c8f08', 3806399),
  test_rare: topicalChat('test_rare', '4f21a18be16e310840280678e7bb4646852573b239b69183ddf8898f40119567', 3787189),
};
