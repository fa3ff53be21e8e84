/**
 * data/vision: image data sets as ImageSet (uint8 NHWC + int32 labels), their readers and
 * downloaders, batches as plain typed arrays, and seeded augmentations (docs/ARCHITECTURE.md §9).
 */

export {
  type ImageSet,
  classCounts,
  concatImageSets,
  imageAt,
  imageSize,
  makeImageSet,
  readImageSetFile,
  sliceImageSet,
  subsetImageSet,
  writeImageSetFile,
} from './image-set.js';
export {
  type ImageBatch,
  type PixelScaling,
  type Pixels,
  epochBatches,
  floatBatch,
  gatherBatch,
  labelsAt,
  normalizeBatch,
  scalingCoefficients,
} from './batch.js';
export { ImageDataError, ImageDecoderUnavailableError } from '../errors.js';
export {
  ChecksumMismatchError,
  type DownloadOptions,
  DownloadError,
  type RemoteFile,
  type TarEntry,
  type TarEntryType,
  cacheSubdir,
  demiCacheDir,
  ensureDownloaded,
  hashFile,
} from '../fetch/index.js';
export {
  CIFAR10_BINARY,
  CIFAR10_CLASSES,
  DEBIAN_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_FILES,
  MNIST_CLASSES,
  MNIST_FILES,
  STL10_BINARY,
  STL10_CLASSES,
  extractTar,
  fileBytes,
  readTarFile,
  tarEntries,
} from './sources.js';
export {
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  type Cifar10Split,
  type LoadCifar10JpegOptions,
  type LoadCifar10Options,
  findCifar10JpegTop,
  loadCifar10,
  loadCifar10Jpeg,
  parseCifar10Binary,
  readCifar10BinaryDir,
  readCifar10BinaryFiles,
} from './cifar10.js';
export {
  STL10_COUNTS,
  STL10_IMAGE_BYTES,
  type LoadStl10Options,
  type ReadStl10ImagesOptions,
  type ReadStl10Options,
  type Stl10Split,
  loadStl10,
  parseStl10Images,
  parseStl10Labels,
  readStl10Dir,
  readStl10Folds,
  readStl10Images,
} from './stl10.js';
export {
  type IdxArray,
  type IdxSplit,
  type LoadIdxDatasetOptions,
  type ReadIdxOptions,
  findDebianFashionMnist,
  findIdxPair,
  idxImages,
  idxLabels,
  loadFashionMnist,
  loadMnist,
  parseIdx,
  readIdxFile,
  readIdxPair,
  readMaybeGzip,
} from './mnist.js';
export {
  type DecodeOptions,
  type DecodedImage,
  IMAGE_EXTENSIONS,
  type ImageFolderArchiveOptions,
  type ImageFolderOptions,
  decodeImage,
  imageDecoderAvailable,
  loadImageDecoder,
  probeChannels,
  readImageFolder,
  readImageFolderArchive,
} from './image-folder.js';
export * from './augment/index.js';
