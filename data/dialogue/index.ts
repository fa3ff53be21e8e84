/** data/dialogue: corpora -> Episode[] -> Example[] (DESIGN §5). */

export { type Episode, type EpisodeStats, type Turn, alternatingSpeaker, episodeStats } from './episode.js';
export { type Example, type ExampleOptions, episodeToExamples, episodesToExamples } from './examples.js';
export { contextStartIndex, fitContext } from './fit-context.js';
export { DatasetFormatError, type FileLocation } from '../errors.js';
export {
  ChecksumMismatchError,
  type DownloadOptions,
  DownloadError,
  type RemoteFile,
  demiCacheDir,
  ensureDownloaded,
  sha256File,
} from '../fetch/index.js';
export {
  DAILYDIALOG_CONVLAB,
  DAILYDIALOG_ORIGINAL,
  TOPICAL_CHAT,
  TOPICAL_CHAT_SPLITS,
  type TopicalChatSplit,
  WIZARD_OF_WIKIPEDIA,
} from './sources.js';
export { readConvLabUnifiedZip, readConvLabUnifiedZipSplits } from './convlab.js';
export { EOU, parseDailyDialogText, readDailyDialogText } from './dailydialog-text.js';
export {
  WOW_SPLITS,
  type WizardOfWikipediaOptions,
  type WizardOfWikipediaSplit,
  readWizardOfWikipedia,
} from './wizard-of-wikipedia.js';
export { parseTopicalChat, readTopicalChat } from './topical-chat.js';
export { episodeFromJson, readJsonl, writeJsonl } from './jsonl.js';
export { type EpisodeFileFormat, detectEpisodeFileFormat, readEpisodesFile } from './read-episodes.js';
export {
  type CorpusOptions,
  DAILYDIALOG_SPLITS,
  type DailyDialogSplit,
  loadDailyDialog,
  loadTopicalChat,
  loadWizardOfWikipedia,
} from './corpora.js';
export { ZipArchive, type ZipEntry } from './zip-reader.js';
export { extractTarGz } from './archives.js';
export { type ArrayElement, streamJsonArray } from './json-array-stream.js';
