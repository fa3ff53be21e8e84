/** data/dialogue: corpora -> Episode[] -> Example[] (docs/ARCHITECTURE.md §5). */

export {
  type Episode,
  type EpisodeStats,
  type Example,
  type ExampleOptions,
  type Turn,
  alternatingSpeaker,
  contextStartIndex,
  episodeStats,
  episodeToExamples,
  episodesToExamples,
  fitContext,
  spreadSample,
} from './episodes.js';
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
  readConvLabUnifiedZip,
  readConvLabUnifiedZipSplits,
  repairContractionCasing,
  type CorpusText,
  CORPUS_TEXTS,
  EOU,
  parseDailyDialogText,
  readDailyDialogText,
  parseTopicalChat,
  readTopicalChat,
  WOW_SPLITS,
  type WizardOfWikipediaOptions,
  type WizardOfWikipediaSplit,
  readWizardOfWikipedia,
  episodeFromJson,
  readJsonl,
  writeJsonl,
  type EpisodeFileFormat,
  detectEpisodeFileFormat,
  readEpisodesFile,
} from './readers.js';
export {
  type CorpusOptions,
  DAILYDIALOG_CONVLAB,
  DAILYDIALOG_ORIGINAL,
  DAILYDIALOG_SPLITS,
  type DailyDialogSplit,
  TOPICAL_CHAT,
  TOPICAL_CHAT_SPLITS,
  TEST_SPLITS,
  type TopicalChatSplit,
  WIZARD_OF_WIKIPEDIA,
  loadDailyDialog,
  loadTopicalChat,
  loadWizardOfWikipedia,
} from './corpora.js';
export { ZipArchive, type ZipEntry, extractTarGz } from './archives.js';
export { type ArrayElement, streamJsonArray } from './json.js';
