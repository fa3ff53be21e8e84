/** data/vision/augment: seeded augmentations on NHWC uint8/float batches. */

export {
  type CropBox,
  type NestedCropOptions,
  type RandomResizedCropOptions,
  checkCropBox,
  crop,
  cropBoxes,
  flipHorizontal,
  nestedCrops,
  nestedScales,
  randomCrop,
  randomHorizontalFlip,
  randomHorizontalFlipWith,
  randomResizedCrop,
  resize,
  resizeCropInto,
  resizeCrops,
  sampleNestedBoxes,
  sampleResizedCropBox,
} from './geometry.js';
export {
  type ColorJitterOptions,
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  colorJitter,
  randomGrayscale,
  toGrayscale,
  toUnitFloat,
} from './color.js';
export {
  DIM_STL10_VIEW,
  type DemiViews,
  type DemiViewsOptions,
  SIMCLR_VIEW,
  type ViewAugmentOptions,
  type ViewCrop,
  augmentView,
  demiViews,
} from './views.js';
