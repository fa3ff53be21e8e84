import { type ImageSet, classCounts, concatImageSets, floatBatch, gatherBatch, imageAt, labelsAt, makeImageSet, normalizeBatch, sliceImageSet, subsetImageSet } from '../../data/vision/index.js';
import { batchToTensor } from '../../model/vision/index.js';
import { selectBackend } from '../../model/engine/index.js';

beforeAll(() => selectBackend('cpu'));

/** 3 images of 2x2x3 where image n's bytes are n*12 .. n*12+11. */
function small(): ImageSet {
  return makeImageSet({
    images: Uint8Array.from({ length: 36 }, (_, i) => i * 7),
    labels: Int32Array.from([2, 0, 2]),
    height: 2,
    width: 2,
    channels: 3,
    classNames: ['a', 'b', 'c'],
  });
}

describe('ImageSet', () => {
  it('checks that sizes and labels agree', () => {
    expect(small().count).toBe(3);
    expect(() => makeImageSet({ images: new Uint8Array(35), labels: new Int32Array(3), height: 2, width: 2, channels: 3 })).toThrow(
      /35 bytes, expected 3x2x2x3 = 36/,
    );
    expect(() =>
      makeImageSet({ images: new Uint8Array(12), labels: Int32Array.from([3]), height: 2, width: 2, channels: 3, classNames: ['a'] }),
    ).toThrow(/label 3 of image 0/);
  });

  it('subset, slice, concat and class counts', () => {
    const set = small();
    const sub = subsetImageSet(set, [2, 0]);
    expect(Array.from(sub.labels)).toEqual([2, 2]);
    expect(Array.from(imageAt(sub, 0))).toEqual(Array.from(imageAt(set, 2)));
    const sl = sliceImageSet(set, 1);
    expect(sl.count).toBe(2);
    expect(sl.images.buffer).toBe(set.images.buffer); // a view
    const cat = concatImageSets([set, sub]);
    expect(cat.count).toBe(5);
    expect(Array.from(imageAt(cat, 4))).toEqual(Array.from(imageAt(set, 0)));
    expect([...classCounts(cat)]).toEqual([
      [0, 1],
      [2, 4],
    ]);
    expect(() => imageAt(set, 3)).toThrow(RangeError);
  });
});

describe('batches', () => {
  it('gathers uint8 and scales to float: unit, symmetric, mean/std', () => {
    const set = small();
    const g = gatherBatch(set, [1]);
    expect(Array.from(g.data)).toEqual(Array.from(imageAt(set, 1)));
    const unit = floatBatch(set, [1, 0]);
    expect(unit.count).toBe(2);
    expect(unit.data[0]).toBeCloseTo((12 * 7) / 255, 6);
    const sym = floatBatch(set, [0], 'symmetric');
    expect(sym.data[0]).toBeCloseTo(-1, 6);
    expect(sym.data[5]).toBeCloseTo((5 * 7) / 127.5 - 1, 6);
    const ms = floatBatch(set, [0], { mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.1] });
    expect(ms.data[4]).toBeCloseTo((28 / 255 - 0.4) / 0.2, 5);
    expect(ms.data[5]).toBeCloseTo((35 / 255 - 0.3) / 0.1, 5);
    // normalizeBatch on [0, 1] floats agrees with floatBatch on uint8
    const again = normalizeBatch(floatBatch(set, [0]), { mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.1] });
    again.data.forEach((v, i) => expect(v).toBeCloseTo(ms.data[i], 5));
    expect(() => floatBatch(set, [0], { mean: [0.5], std: 1 })).toThrow(/1 values for 3 channels/);
    expect(Array.from(labelsAt(set, [2, 1]))).toEqual([2, 0]);
    expect(() => labelsAt(set, [5])).toThrow(/index 5/);
  });

  it('becomes an NHWC tensor', () => {
    const t = batchToTensor(floatBatch(small(), [0, 2]));
    expect(t.shape).toEqual([2, 2, 2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.dataSync()[12]).toBeCloseTo((24 * 7) / 255, 6);
    t.dispose();
  });
});
