/**
 * Where the image data sets are published, with the checksums their publishers give. MD5s are the
 * ones on the data sets' own pages (CIFAR-10) or in torchvision's dataset classes (STL-10, MNIST,
 * Fashion-MNIST), which have checked them against the publishers' files for years.
 *
 * Also the shared tar reader (data/fetch) as the image readers use it on those archives: a damaged
 * archive (truncated, bad header checksum, bad gzip data) is an ImageDataError naming it, like any
 * other unreadable image file.
 */

import * as tar from '../fetch/index.js';
import type { RemoteFile } from '../fetch/index.js';
import { ImageDataError } from '../errors.js';

/** CIFAR-10 binary version ("suitable for C programs"), https://www.cs.toronto.edu/~kriz/cifar.html */
export const CIFAR10_BINARY: RemoteFile = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  fileName: 'cifar-10-binary.tar.gz',
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
  bytes: 170052171,
  provenance:
    'MD5 from the table on https://www.cs.toronto.edu/~kriz/cifar.html; SHA-256 and size as pinned by ' +
    "other projects' downloaders of the same file (Julia MLDatasets.jl, GoMLX).",
};

/** STL-10 binary, https://cs.stanford.edu/~acoates/stl10/ (2.6 GB; 2.7 GB more once extracted). */
export const STL10_BINARY: RemoteFile = {
  url: 'http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz',
  mirrors: ['https://cs.stanford.edu/~acoates/stl10/stl10_binary.tar.gz'],
  fileName: 'stl10_binary.tar.gz',
  md5: '91f7769df0f17e558f3565bffb0c7dfb',
  provenance: 'MD5 as in torchvision.datasets.STL10.tgz_md5.',
};

const MNIST_BASE = 'https://ossci-datasets.s3.amazonaws.com/mnist/';
const MNIST_ORIGINAL = 'http://yann.lecun.com/exdb/mnist/';

function idxFile(base: string, mirror: string | undefined, fileName: string, md5: string): RemoteFile {
  return {
    url: base + fileName,
    ...(mirror ? { mirrors: [mirror + fileName] } : {}),
    fileName,
    md5,
    provenance: 'MD5 as in torchvision.datasets (MNIST / FashionMNIST).resources.',
  };
}

/** MNIST IDX files (torchvision's S3 mirror first; the original site often refuses scripts). */
export const MNIST_FILES = {
  trainImages: idxFile(MNIST_BASE, MNIST_ORIGINAL, 'train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'),
  trainLabels: idxFile(MNIST_BASE, MNIST_ORIGINAL, 'train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'),
  testImages: idxFile(MNIST_BASE, MNIST_ORIGINAL, 't10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'),
  testLabels: idxFile(MNIST_BASE, MNIST_ORIGINAL, 't10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'),
} as const;

const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const FASHION_GITHUB = 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/';

/** Fashion-MNIST IDX files (Zalando's S3 bucket, then the GitHub repository). */
export const FASHION_MNIST_FILES = {
  trainImages: idxFile(FASHION_BASE, FASHION_GITHUB, 'train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'),
  trainLabels: idxFile(FASHION_BASE, FASHION_GITHUB, 'train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'),
  testImages: idxFile(FASHION_BASE, FASHION_GITHUB, 't10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'),
  testLabels: idxFile(FASHION_BASE, FASHION_GITHUB, 't10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'),
} as const;

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST (re-gzipped: MD5s differ). */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

export const STL10_CLASSES = [
  'airplane',
  'bird',
  'car',
  'cat',
  'deer',
  'dog',
  'horse',
  'monkey',
  'ship',
  'truck',
] as const;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

// ---- reading the archives

const imageData: tar.TarOptions = { formatError: (file, problem) => new ImageDataError(file, problem) };

/** The members of a tar stream; `label` names the archive in errors (see data/fetch). */
export function tarEntries(stream: AsyncIterable<Buffer>, label: string): AsyncGenerator<tar.TarEntry> {
  return tar.tarEntries(stream, label, imageData);
}

/** The bytes of a file, gunzipped if they start with the gzip magic. */
export function fileBytes(path: string): AsyncGenerator<Buffer> {
  return tar.fileBytes(path, imageData);
}

/** The members of a .tar or .tar.gz file. */
export function readTarFile(path: string): AsyncGenerator<tar.TarEntry> {
  return tar.readTarFile(path, imageData);
}

/** Extracts the wanted regular files of `archive` into `destDir/<basename>`; see data/fetch. */
export function extractTar(
  archive: string,
  destDir: string,
  want: (memberPath: string) => boolean,
): Promise<Map<string, string>> {
  return tar.extractTar(archive, destDir, want, imageData);
}
