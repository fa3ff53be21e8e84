/**
 * data/vision: image data sets as ImageSet (uint8 NHWC + int32 labels), their readers and
 * downloaders, batches as plain typed arrays, and seeded augmentations (DESIGN §9).
 */

export {
  type ImageSet,
  classCounts,
  concatImageSets,
  imageAt,
  imageSize,
  makeImageSet,
  sliceImageSet,
  subsetImageSet,
} from './image-set.js';
export {
  type ImageBatch,
  type PixelScaling,
  type Pixels,
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
export { extractTar, fileBytes, readTarFile, tarEntries } from './archives.js';
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
} from './sources.js';
export {
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  type Cifar10Split,
  type LoadCifar10Options,
  loadCifar10,
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
export { type IdxArray, type ReadIdxOptions, idxImages, idxLabels, parseIdx, readIdxFile, readIdxPair, readMaybeGzip } from './idx.js';
export {
  type IdxSplit,
  type LoadIdxDatasetOptions,
  findDebianFashionMnist,
  findIdxPair,
  loadFashionMnist,
  loadMnist,
} from './mnist.js';
export {
  type DecodeOptions,
  type DecodedImage,
  decodeImage,
  imageDecoderAvailable,
  loadImageDecoder,
  probeChannels,
} from './image-decoder.js';
export {
  IMAGE_EXTENSIONS,
  type ImageFolderArchiveOptions,
  type ImageFolderOptions,
  readImageFolder,
  readImageFolderArchive,
} from './image-folder.js';
export { readImageSetFile, writeImageSetFile } from './image-set-file.js';
export { type LoadCifar10JpegOptions, findCifar10JpegTop, loadCifar10Jpeg } from './cifar10-jpeg.js';
export { epochBatches } from './epoch-order.js';
export * from './augment/index.js';
