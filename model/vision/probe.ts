/**
 * Frozen-encoder features for probes (docs/ARCHITECTURE.md §9): conv (last conv block, flattened), fc (last
 * hidden fc block) and Y, extracted once in evaluation mode (BN running statistics), in batches.
 */
import { tf } from '../engine/index.js';
import { trainProbe, type ClassifierKind, type FeatureMatrix, type ProbeResult } from '../probe/classifier.js';
import type { ImageSet } from '../../data/vision/index.js';
import type { Encoder, FeatureName } from './encoder.js';
import { evalInputs, loadVisionDataset } from './inputs.js';
import { SeededRandom, log } from '../../core/index.js';
import { VisionError } from '../errors.js';
import { loadVisionModel, randomInitModel } from './checkpoint.js';
import type { DatasetSpec } from './config.js';
import type { VisionModel, VisionModelConfig } from './vision-model.js';

export function extractFeatures(encoder: Encoder, set: ImageSet, names: FeatureName[], options: { batchSize?: number; onBatch?: (done: number) => void } = {}): Record<FeatureName, FeatureMatrix> {
  const batchSize = options.batchSize ?? 256;
  const out = {} as Record<FeatureName, FeatureMatrix>;
  for (const name of names) {
    const dim = encoder.featureSize(name);
    out[name] = { data: new Float32Array(set.count * dim), rows: set.count, dim };
  }
  const size = encoder.inputShape[0];
  for (let start = 0; start < set.count; start += batchSize) {
    const indices = Int32Array.from({ length: Math.min(batchSize, set.count - start) }, (_, i) => start + i);
    const batch = evalInputs(set, indices, size);
    const values = tf.tidy(() => {
      const x = tf.tensor4d(batch.data, [batch.count, size, size, batch.channels]);
      const f = encoder.features(x, false);
      return names.map((n) => f[n]);
    });
    names.forEach((n, k) => {
      out[n].data.set(values[k].dataSync() as Float32Array, start * out[n].dim);
    });
    tf.dispose(values);
    options.onBatch?.(start + indices.length);
  }
  return out;
}

/**
 * Sets the BN running statistics of a freshly initialised encoder from data (training-mode
 * forward passes, no gradients), so a random-init baseline is evaluated with sensible statistics.
 * With momentum 0.1, `batches` of about 50 leave < 1% of the initial (0, 1) statistics.
 */
export function calibrateBatchNorm(encoder: Encoder, set: ImageSet, batches = 50, batchSize = 64): void {
  const size = encoder.inputShape[0];
  for (let b = 0; b < batches; b++) {
    const indices = Int32Array.from({ length: batchSize }, (_, i) => (b * batchSize + i) % set.count);
    const batch = evalInputs(set, indices, size);
    tf.tidy(() => { encoder.features(tf.tensor4d(batch.data, [batch.count, size, size, batch.channels]), true); });
  }
}

// ---- run probe

/**
 * `demi probe`: features of a frozen encoder (a checkpoint, or a random-init encoder of the same
 * configuration as the baseline) extracted once for a train and a test split, then a linear and/or
 * DIM's MLP classifier per feature (conv, fc, Y), and a JSON report of accuracies.
 */
export interface ProbeRunOptions {
  /** Checkpoint or run directory. Without it, `modelConfig` describes the random-init encoder. */
  model?: string;
  modelConfig?: VisionModelConfig;
  /** Probe a freshly initialised encoder of the model's configuration (BN statistics calibrated on the training images). */
  randomInit?: boolean;
  /** The training split; the test split is the same spec with `testSplit`. */
  dataset: DatasetSpec;
  testSplit: string;
  trainImages?: number;
  testImages?: number;
  features: FeatureName[];
  classifiers: ClassifierKind[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  standardize: boolean;
}

export interface ProbeReport {
  model: string | null;
  randomInit: boolean;
  method: string;
  dataset: DatasetSpec;
  testSplit: string;
  trainImages: number;
  testImages: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  results: (ProbeResult & { feature: FeatureName })[];
  /** accuracy[feature][classifier] = test accuracy after the last epoch. */
  accuracy: Record<string, Record<string, number>>;
  seconds: { load: number; features: number; classifiers: number };
}

export async function runProbe(o: ProbeRunOptions): Promise<ProbeReport> {
  const t0 = performance.now();
  let model: VisionModel;
  if (o.model) {
    const loaded = loadVisionModel(o.model);
    model = o.randomInit ? randomInitModel(loaded.config.model, o.seed) : loaded.model;
    if (o.randomInit) loaded.model.dispose();
  } else {
    if (!o.randomInit || !o.modelConfig) throw new VisionError('demi probe: give --model DIR (a trained checkpoint), or --random-init with an encoder configuration');
    model = randomInitModel(o.modelConfig, o.seed);
  }
  try {
    const size = model.encoder.inputShape[0];
    const trainSet: ImageSet = await loadVisionDataset({ ...o.dataset, maxImages: o.trainImages }, { imageSize: size, seed: o.seed });
    const testSet: ImageSet = await loadVisionDataset({ ...o.dataset, split: o.testSplit, maxImages: o.testImages }, { imageSize: size, seed: o.seed + 1 });
    if (trainSet.channels !== model.encoder.inputShape[2]) {
      throw new VisionError(`the encoder takes ${model.encoder.inputShape[2]}-channel images, ${o.dataset.name} has ${trainSet.channels}`);
    }
    if (o.randomInit) calibrateBatchNorm(model.encoder, trainSet);
    const t1 = performance.now();
    const trainFeatures = extractFeatures(model.encoder, trainSet, o.features);
    const testFeatures = extractFeatures(model.encoder, testSet, o.features);
    const t2 = performance.now();
    log.info({ train: trainSet.count, test: testSet.count, seconds: (t2 - t1) / 1000 }, 'probe features extracted');
    const classes = Math.max(...trainSet.labels, ...testSet.labels) + 1;
    const results: ProbeReport['results'] = [];
    const accuracy: ProbeReport['accuracy'] = {};
    for (const feature of o.features) {
      for (const kind of o.classifiers) {
        const r = trainProbe(trainFeatures[feature], trainSet.labels, testFeatures[feature], testSet.labels, {
          kind, classes, epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, seed: o.seed, standardize: o.standardize,
        });
        results.push({ feature, ...r });
        (accuracy[feature] ??= {})[kind] = r.testAccuracy;
        log.info({ feature, classifier: kind, testAccuracy: r.testAccuracy, trainAccuracy: r.trainAccuracy }, 'probe done');
      }
    }
    const t3 = performance.now();
    return {
      model: o.model ?? null, randomInit: Boolean(o.randomInit), method: model.config.method, dataset: o.dataset, testSplit: o.testSplit,
      trainImages: trainSet.count, testImages: testSet.count, epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, seed: o.seed,
      results, accuracy, seconds: { load: (t1 - t0) / 1000, features: (t2 - t1) / 1000, classifiers: (t3 - t2) / 1000 },
    };
  } finally {
    model.dispose();
  }
}
