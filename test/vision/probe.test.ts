/**
 * Probes: the linear and DIM's MLP classifier reach high accuracy on separable features; feature
 * extraction shapes; BN calibration of a random-init encoder; and `demi train vision` + `demi probe`
 * end to end on real Fashion-MNIST where this machine has it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { calibrateBatchNorm, Encoder, extractFeatures, Params, trainProbe, type FeatureMatrix } from '../../model/vision/index.js';
import { shapeImages } from './fixtures.js';
import { fashionMnist, testIf } from '../helpers/optional.js';

beforeAll(async () => {
  await selectBackend();
});

function clusters(rows: number, dim: number, classes: number, seed: number): { f: FeatureMatrix; labels: Int32Array } {
  const rng = new SeededRandom(seed);
  const centres = new SeededRandom(99).normalArray(classes * dim, 3);
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const k = r % classes;
    labels[r] = k;
    for (let d = 0; d < dim; d++) data[r * dim + d] = centres[k * dim + d] + rng.normal();
  }
  return { f: { data, rows, dim }, labels };
}

test.each(['linear', 'mlp'] as const)('%s probe separates separable classes', (kind) => {
  const train = clusters(800, 20, 4, 1);
  const test = clusters(400, 20, 4, 2);
  const before = tf.memory().numTensors;
  const r = trainProbe(train.f, train.labels, test.f, test.labels, { kind, classes: 4, epochs: 5, learningRate: 1e-2, seed: 3 });
  expect(tf.memory().numTensors).toBe(before);
  expect(r.testAccuracy).toBeGreaterThan(0.95);
  expect(r.testAccuracyByEpoch).toHaveLength(5);
  // unlabeled (-1) rows are ignored
  const labels = train.labels.slice();
  labels.fill(-1, 0, 100);
  expect(trainProbe(train.f, labels, test.f, test.labels, { kind, classes: 4, epochs: 1, seed: 3 }).trainExamples).toBe(700);
});

test('a probe on random labels stays near chance (the probe can fail)', () => {
  const train = clusters(400, 20, 4, 1);
  const shuffled = new SeededRandom(5).shuffle(Array.from(train.labels));
  const test = clusters(400, 20, 4, 2);
  const r = trainProbe(train.f, Int32Array.from(shuffled), test.f, test.labels, { kind: 'linear', classes: 4, epochs: 5, seed: 3 });
  expect(r.testAccuracy).toBeLessThan(0.45);
});

test('features of a frozen encoder, and BN calibration of a random-init one', () => {
  const set = shapeImages(40, 2);
  const params = new Params(new SeededRandom(1));
  const encoder = new Encoder(params, { architecture: 'basic32x32', channels: 3, outputUnits: 64, width: 0.25 });
  const mean = params.variables['encoder.blocks.0.bn.running_mean'];
  expect(Array.from(mean.dataSync()).every((v) => v === 0)).toBe(true);
  calibrateBatchNorm(encoder, set, 5, 8);
  expect(Array.from(mean.dataSync()).some((v) => v !== 0)).toBe(true);
  const f = extractFeatures(encoder, set, ['conv', 'fc', 'y'], { batchSize: 16 });
  expect([f.conv.rows, f.conv.dim, f.fc.dim, f.y.dim]).toEqual([40, 4 * 4 * 64, 256, 64]);
  // batched extraction equals one batch
  const g = extractFeatures(encoder, set, ['y'], { batchSize: 40 });
  g.y.data.forEach((v, i) => expect(v).toBeCloseTo(f.y.data[i], 4));
  params.dispose();
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fashionData = fashionMnist();
const fashion = fashionData.dir;

testIf(fashionData)('demi train vision + demi probe on real Fashion-MNIST', () => {
  const out = mkdtempSync(join(tmpdir(), 'demi-vision-cli-'));
  const env = { ...process.env, DEMI_LOG_LEVEL: 'warn' };
  const trained = spawnSync(process.execPath, ['bin/demi.mjs', 'train', 'vision', '--method', 'dim-local', '--dataset', 'fashion-mnist',
    '--data-path', fashion, '--out', out, '--steps', '4', '--set', 'encoder.width=0.125', '--set', 'objective.miUnits=16',
    '--set', 'data.train.maxImages=400', '--set', 'data.validImages=256', '--set', 'training.evalEvery=4', '--set', 'training.batchSize=16',
    '--set', 'validation.probeEpochs=30'], { cwd: root, encoding: 'utf8', env });
  expect(trained.stderr).toBe('');
  expect(trained.status).toBe(0);
  expect(JSON.parse(trained.stdout).step).toBe(4);
  const val = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.kind === 'val');
  // The quick probe tests on the second half of the 256 held-out images: at chance (0.1) its accuracy
  // has sigma sqrt(0.1 * 0.9 / 128) = 0.027, so 0.23 is chance + 5 sigma (0.35 measured when written;
  // 2 probe epochs on 64 images, as before, gave 0.06: an untrained probe).
  expect(val.probe_y).toBeGreaterThan(0.1 + 5 * Math.sqrt(0.1 * 0.9 / 128));
  const probed = spawnSync(process.execPath, ['bin/demi.mjs', 'probe', '--model', out, '--train-images', '600', '--test-images', '300',
    '--epochs', '3', '--features', 'conv,y', '--classifier', 'linear', '--out', join(out, 'probe.json')], { cwd: root, encoding: 'utf8', env });
  expect(probed.status).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8'));
  expect(report.dataset.name).toBe('fashion-mnist');
  expect(report.trainImages).toBe(600);
  expect(Object.keys(report.accuracy)).toEqual(['conv', 'y']);
  expect(report.accuracy.conv.linear).toBeGreaterThan(0.55); // chance is 0.1
  const bad = spawnSync(process.execPath, ['bin/demi.mjs', 'probe', '--model', out, '--features', 'pixels'], { cwd: root, encoding: 'utf8', env });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/--features: unknown 'pixels'/);
});
