/** data/vision/augment: seeded augmentations on NHWC uint8/float batches. */

export { type CropBox, checkCropBox } from './crop-box.js';
export { resize, resizeCrops, resizeCropInto } from './resize.js';
export { crop, cropBoxes, randomCrop } from './crop.js';
export { flipHorizontal, randomHorizontalFlip, randomHorizontalFlipWith } from './flip.js';
export { type RandomResizedCropOptions, randomResizedCrop, sampleResizedCropBox } from './random-resized-crop.js';
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
export { type NestedCropOptions, nestedCrops, nestedScales, sampleNestedBoxes } from './nested-crops.js';
export { DIM_STL10_VIEW, SIMCLR_VIEW, type ViewAugmentOptions, type ViewCrop, augmentView } from './view-augment.js';
export { type DemiViews, type DemiViewsOptions, demiViews } from './demi-views.js';
