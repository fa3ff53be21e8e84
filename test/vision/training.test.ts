/**
 * The vision task on the shared trainer, on synthetic structured images (coloured shapes): a few
 * steps of each method lower the loss, the number of live tensors stays flat across steps, and a run
 * resumed from its checkpoint ends bit-for-bit where a straight run ends (BN statistics included).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, tf } from '../../model/engine/index.js';
import { OutputDirectoryError, SeededRandom } from '../../core/index.js';
import { sliceImageSet } from '../../data/vision/index.js';
import { readCheckpoint, train } from '../../model/training/index.js';
import {
  loadVisionModel, parseVisionTrainConfig, resolveAugment, resolveObjective, visionModelConfig, VisionModel, VisionTask,
  VISION_CHECKPOINT_FORMAT, trainVision, type VisionMethod,
} from '../../model/vision/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';
import { shapeImages } from './fixtures.js';

const images = shapeImages(192, 1);
const trainSet = sliceImageSet(images, 0, 128);
const validSet = sliceImageSet(images, 128);

beforeAll(async () => {
  await selectBackend();
});

function setup(method: VisionMethod, outDir: string, extra: Record<string, unknown> = {}) {
  const config = parseVisionTrainConfig({
    method, outDir,
    encoder: { width: 0.25 },
    objective: { miUnits: 32, levels: 2, ...extra },
    training: { steps: 12, batchSize: 16, learningRate: 2e-3, evalEvery: 6, logEvery: 1, seed: 5 },
    validation: { probeEpochs: 0 },
  });
  const model = new VisionModel(visionModelConfig(config, 3), config.training.seed);
  const task = new VisionTask({
    model, train: trainSet, valid: validSet, batchSize: 16, seed: 5,
    views: { augment: resolveAugment(config), size: 32, levels: resolveObjective(config).levels, minScale: 0.5 },
    probe: { epochs: 0, feature: 'y' },
    checkpointExtras: () => ({ config: { format: VISION_CHECKPOINT_FORMAT, version: 1, model: model.config, data: config.data.train } }),
  });
  return { config, model, task };
}

const trainLosses = (dir: string) => readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  .filter((r) => r.kind === 'train').map((r) => r.loss as number);

test.each([
  ['dim-local', {}],
  ['dim-global', {}],
  ['dim-local', { estimator: 'infonce', gamma: 0 }],
  ['infonce', {}],
  ['demi', {}],
] as [VisionMethod, Record<string, unknown>][])('%s %j: a few steps lower the loss', async (method, extra) => {
  const dir = mkdtempSync(join(tmpdir(), 'demi-vision-'));
  const { config, model, task } = setup(method, dir, extra);
  await train(task, { ...config.training, outDir: dir });
  const losses = trainLosses(dir);
  expect(losses).toHaveLength(12);
  losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
  const first = (losses[0] + losses[1]) / 2;
  const last = (losses[10] + losses[11]) / 2;
  expect(last).toBeLessThan(first - 0.05 * Math.abs(first));
  model.dispose();
});

test('live tensors stay flat across training steps and validation', async () => {
  const { model, task } = setup('dim-local', mkdtempSync(join(tmpdir(), 'demi-vision-')), { gamma: 0.1 });
  const random = new SeededRandom(1);
  const variables = Object.values(model.params.trainable());
  await expectTensorCountFlat(() => {
    const batch = task.nextBatch();
    const { value, grads } = tf.variableGrads(() => task.step(batch, random).loss, variables);
    tf.dispose([value, ...Object.values(grads)]);
  });
  await expectTensorCountFlat(() => task.validate(), 1);
  model.dispose();
});

test('checkpoint and resume: 4 + 4 steps equal 8 straight steps, BN statistics and prior included', async () => {
  const straightDir = mkdtempSync(join(tmpdir(), 'demi-vision-'));
  const straight = setup('dim-local', straightDir, { gamma: 0.1 });
  await train(straight.task, { ...straight.config.training, steps: 8, evalEvery: 4, outDir: straightDir });
  const expected = straight.model.params.arrays();
  straight.model.dispose();

  const resumedDir = mkdtempSync(join(tmpdir(), 'demi-vision-'));
  const first = setup('dim-local', resumedDir, { gamma: 0.1 });
  await train(first.task, { ...first.config.training, steps: 4, evalEvery: 4, outDir: resumedDir });
  first.model.dispose();
  const second = setup('dim-local', resumedDir, { gamma: 0.1 });
  await train(second.task, { ...second.config.training, steps: 8, evalEvery: 4, outDir: resumedDir }, { resume: true });
  const got = second.model.params.arrays();
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  expect([...got.keys()].some((k) => k.endsWith('running_var'))).toBe(true);
  for (const [name, { data }] of expected) expect(Array.from(got.get(name)!.data)).toEqual(Array.from(data));
  second.model.dispose();

  // the checkpoint loads back as a vision model with the same encoder outputs
  const saved = readCheckpoint(join(resumedDir, 'last'));
  expect(saved.weights.get('encoder.blocks.1.bn.running_mean')).toBeDefined();
  const loaded = loadVisionModel(join(resumedDir, 'last'));
  expect(loaded.config.model.method).toBe('dim-local');
  expect(Array.from(loaded.model.params.variables['encoder.blocks.4.bn.running_var'].dataSync()))
    .toEqual(Array.from(saved.weights.get('encoder.blocks.4.bn.running_var')!.data));
  loaded.model.dispose();
});

describe('trainVision and the output directory (defect 2), checked before any image is read', () => {
  const visionConfig = (outDir: string) => parseVisionTrainConfig({
    method: 'dim-local', outDir, data: { train: { name: 'image-folder', path: join(tmpdir(), 'demi-no-such-images') } },
  });

  test('an --out that holds a run is refused and left as it was; --resume into an empty one finds no checkpoint', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'demi-vision-run-'));
    mkdirSync(join(outDir, 'best'));
    writeFileSync(join(outDir, 'best', 'model.safetensors'), 'weights');
    writeFileSync(join(outDir, 'log.jsonl'), '{"step":1}\n');
    await expect(trainVision(visionConfig(outDir))).rejects.toThrow(OutputDirectoryError);
    expect(readFileSync(join(outDir, 'best', 'model.safetensors'), 'utf8')).toBe('weights');
    expect(readFileSync(join(outDir, 'log.jsonl'), 'utf8')).toBe('{"step":1}\n');
    await expect(trainVision(visionConfig(mkdtempSync(join(tmpdir(), 'demi-vision-empty-'))), { resume: true }))
      .rejects.toThrow(/--resume: there is no checkpoint at .*last to resume from/);
  });
});
