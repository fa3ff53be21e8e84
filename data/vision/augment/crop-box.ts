/** A crop rectangle in pixel units of the source image: top-left (x, y), size width x height. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Throws a RangeError unless `box` is a non-empty integer rectangle inside a height x width image. */
export function checkCropBox(box: CropBox, height: number, width: number, what = 'crop'): void {
  const { x, y, width: w, height: h } = box;
  if (![x, y, w, h].every(Number.isInteger) || w < 1 || h < 1 || x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new RangeError(
      `${what}: box x=${x} y=${y} width=${w} height=${h} is not a non-empty integer rectangle inside the ${height}x${width} image`,
    );
  }
}
