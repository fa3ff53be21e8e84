/** The DIM encoders' feature shapes (docs/ARCHITECTURE.md §9) and the width multiplier. */
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { Encoder, encoderShapes, Params } from '../../model/vision/index.js';

beforeAll(async () => {
  await selectBackend();
});

function input(n: number, size: number, channels = 3): tf.Tensor4D {
  return tf.tensor4d(new SeededRandom(1).uniformArray(n * size * size * channels, -1, 1), [n, size, size, channels]);
}

test('basic32x32: local map 8x8x128, conv 4x4x256 = 4096, fc 1024, Y 64', () => {
  const params = new Params(new SeededRandom(1));
  const encoder = new Encoder(params, { architecture: 'basic32x32', channels: 3, outputUnits: 64, width: 1 });
  const before = tf.memory().numTensors;
  const f = encoder.features(input(3, 32), true);
  expect(f.local.shape).toEqual([3, 8, 8, 128]);
  expect(f.conv.shape).toEqual([3, 4096]);
  expect(f.fc.shape).toEqual([3, 1024]);
  expect(f.y.shape).toEqual([3, 64]);
  expect(encoder.featureSize('conv')).toBe(4096);
  // local and fc come after ReLU
  expect(Math.min(...f.local.dataSync())).toBeGreaterThanOrEqual(0);
  tf.dispose([f.local, f.conv, f.fc, f.y]);
  expect(tf.memory().numTensors).toBe(before + 1); // only the input tensor
  // conv/linear followed by BN have no bias; Y has one
  expect(Object.keys(params.variables).filter((k) => k.startsWith('encoder.blocks.0.conv'))).toEqual(['encoder.blocks.0.conv.weight']);
  expect(params.variables['encoder.out.bias'].shape).toEqual([64]);
  params.dispose();
});

test('alex64x64: local 15x15x384, conv 7x7x192 = 9408, fc 4096 (full width, shapes only); forward at width 1/4', () => {
  expect(encoderShapes({ architecture: 'alex64x64', channels: 3, outputUnits: 64, width: 1 })).toEqual({ local: [15, 15, 384], conv: [7, 7, 192], fc: [4096] });
  expect(encoderShapes({ architecture: 'basic32x32', channels: 3, outputUnits: 64, width: 1 })).toEqual({ local: [8, 8, 128], conv: [4, 4, 256], fc: [1024] });

  const params = new Params(new SeededRandom(2));
  const encoder = new Encoder(params, { architecture: 'alex64x64', channels: 3, outputUnits: 64, width: 0.25 });
  const f = encoder.features(input(2, 64), true);
  expect(f.local.shape).toEqual([2, 15, 15, 96]);
  expect(f.conv.shape).toEqual([2, 7 * 7 * 48]);
  expect(f.fc.shape).toEqual([2, 1024]);
  expect(f.y.shape).toEqual([2, 64]);
  tf.dispose([f.local, f.conv, f.fc, f.y]);
  params.dispose();
});

test('a wrong input size is a clear error', () => {
  const params = new Params(new SeededRandom(1));
  const encoder = new Encoder(params, { architecture: 'basic32x32', channels: 1, outputUnits: 64, width: 0.25 });
  expect(() => encoder.features(input(2, 28, 1), false)).toThrow(/expects images \[N, 32,32,1\]/);
  params.dispose();
});
