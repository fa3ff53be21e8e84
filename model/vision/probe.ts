/**
 * Frozen-encoder features for probes (docs/ARCHITECTURE.md §9): conv (last conv block, flattened), fc (last
 * hidden fc block) and Y, extracted once in evaluation mode (BN running statistics), in batches.
 */
import { tf, AdamW, sparseSoftmaxCrossEntropy } from '../engine/index.js';
import type { ImageSet } from '../../data/vision/index.js';
import type { Encoder, FeatureName } from './encoder.js';
import { evalInputs, loadVisionDataset } from './inputs.js';
import { SeededRandom, log } from '../../core/index.js';
import { BatchNorm, Dense, Params } from './layers.js';
import { VisionError } from '../errors.js';
import { loadVisionModel, randomInitModel } from './checkpoint.js';
import type { DatasetSpec } from './config.js';
import type { VisionModel, VisionModelConfig } from './vision-model.js';

export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

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

// ---- probe

/**
 * Probes on frozen features (docs/ARCHITECTURE.md §9): a linear classifier, and DIM's non-linear one,
 *   Linear(200) -> Dropout(0.1) -> BatchNorm1d -> ReLU -> Linear(K),
 * trained with Adam on cross-entropy over features extracted once. Features are standardised with
 * the training set's per-dimension mean and std (`standardize`, default on; DIM feeds raw features,
 * which matters little for the MLP because of its BN but makes short linear probes stable).
 * Images labelled -1 (STL-10 unlabeled) are ignored.
 */
export type ClassifierKind = 'linear' | 'mlp';
export const CLASSIFIER_KINDS: ClassifierKind[] = ['linear', 'mlp'];

export interface ProbeOptions {
  kind: ClassifierKind;
  classes: number;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  hidden?: number;
  dropout?: number;
  standardize?: boolean;
}

export interface ProbeResult {
  kind: ClassifierKind;
  /** Test accuracy after the last epoch. */
  testAccuracy: number;
  trainAccuracy: number;
  /** Test accuracy after every epoch. */
  testAccuracyByEpoch: number[];
  trainExamples: number;
  testExamples: number;
}

class Classifier {
  readonly params: Params;
  private readonly first: Dense;
  private readonly norm?: BatchNorm;
  private readonly second?: Dense;

  constructor(readonly kind: ClassifierKind, dim: number, classes: number, seed: number, readonly hidden: number, readonly dropout: number) {
    this.params = new Params(new SeededRandom(seed));
    if (kind === 'linear') {
      this.first = new Dense(this.params, 'linear', dim, classes);
    } else {
      this.first = new Dense(this.params, 'mlp.0', dim, hidden);
      this.norm = new BatchNorm(this.params, 'mlp.2', hidden);
      this.second = new Dense(this.params, 'mlp.4', hidden, classes);
    }
  }

  logits(x: tf.Tensor2D, training: boolean, random?: SeededRandom): tf.Tensor2D {
    return tf.tidy(() => {
      let h = this.first.apply(x);
      if (this.kind === 'linear') return h as tf.Tensor2D;
      if (training && this.dropout > 0) h = tf.dropout(h, this.dropout, undefined, random!.opSeed());
      h = tf.relu(this.norm!.apply(h, training));
      return this.second!.apply(h) as tf.Tensor2D;
    });
  }
}

/** Rows with a label >= 0, standardised with `stats` (computed from these rows when not given). */
function prepare(f: FeatureMatrix, labels: Int32Array, standardize: boolean, stats?: { mean: Float32Array; std: Float32Array }) {
  if (labels.length !== f.rows) throw new VisionError(`probe: ${f.rows} feature rows but ${labels.length} labels`);
  const keep: number[] = [];
  labels.forEach((l, i) => { if (l >= 0) keep.push(i); });
  const data = new Float32Array(keep.length * f.dim);
  keep.forEach((r, i) => data.set(f.data.subarray(r * f.dim, (r + 1) * f.dim), i * f.dim));
  let s = stats;
  if (standardize && !s) {
    const mean = new Float64Array(f.dim);
    const sq = new Float64Array(f.dim);
    for (let i = 0; i < keep.length; i++) {
      for (let d = 0; d < f.dim; d++) {
        const v = data[i * f.dim + d];
        mean[d] += v;
        sq[d] += v * v;
      }
    }
    const n = Math.max(1, keep.length);
    s = { mean: new Float32Array(f.dim), std: new Float32Array(f.dim) };
    for (let d = 0; d < f.dim; d++) {
      s.mean[d] = mean[d] / n;
      s.std[d] = Math.sqrt(Math.max(sq[d] / n - s.mean[d] ** 2, 0)) + 1e-6;
    }
  }
  if (standardize && s) {
    for (let i = 0; i < keep.length; i++) for (let d = 0; d < f.dim; d++) data[i * f.dim + d] = (data[i * f.dim + d] - s.mean[d]) / s.std[d];
  }
  return { data, labels: Int32Array.from(keep, (r) => labels[r]), rows: keep.length, stats: s };
}

function accuracy(c: Classifier, data: Float32Array, labels: Int32Array, dim: number): number {
  let correct = 0;
  const batch = 1024;
  for (let s = 0; s < labels.length; s += batch) {
    const n = Math.min(batch, labels.length - s);
    const predicted = tf.tidy(() => tf.argMax(c.logits(tf.tensor2d(data.subarray(s * dim, (s + n) * dim), [n, dim]), false), 1).dataSync());
    for (let i = 0; i < n; i++) if (predicted[i] === labels[s + i]) correct++;
  }
  return labels.length > 0 ? correct / labels.length : 0;
}

export function trainProbe(train: FeatureMatrix, trainLabels: Int32Array, test: FeatureMatrix, testLabels: Int32Array, o: ProbeOptions): ProbeResult {
  if (train.dim !== test.dim) throw new VisionError(`probe: train features have ${train.dim} dimensions, test features ${test.dim}`);
  const standardize = o.standardize ?? true;
  const tr = prepare(train, trainLabels, standardize);
  const te = prepare(test, testLabels, standardize, tr.stats);
  if (tr.rows < 2) throw new VisionError('probe: fewer than 2 labelled training images');
  const seed = o.seed ?? 1;
  const batchSize = Math.min(o.batchSize ?? 64, tr.rows);
  const classifier = new Classifier(o.kind, train.dim, o.classes, seed, o.hidden ?? 200, o.dropout ?? 0.1);
  const optimizer = new AdamW({ learningRate: o.learningRate ?? 1e-3, weightDecay: 0 });
  const random = new SeededRandom(seed + 1);
  const trainable = classifier.params.trainable();
  const variableList = Object.values(trainable);
  const testAccuracyByEpoch: number[] = [];
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const order = random.shuffle(Array.from({ length: tr.rows }, (_, i) => i));
      for (let s = 0; s + batchSize <= tr.rows; s += batchSize) {
        const rows = order.slice(s, s + batchSize);
        const x = new Float32Array(batchSize * train.dim);
        const y = new Int32Array(batchSize);
        rows.forEach((r, i) => {
          x.set(tr.data.subarray(r * train.dim, (r + 1) * train.dim), i * train.dim);
          y[i] = tr.labels[r];
        });
        const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
          const logits = classifier.logits(tf.tensor2d(x, [batchSize, train.dim]), true, random);
          return tf.mean(sparseSoftmaxCrossEntropy(logits, tf.tensor1d(y, 'int32'))) as tf.Scalar;
        }), variableList);
        optimizer.apply(trainable, grads);
        value.dispose();
        tf.dispose(Object.values(grads));
      }
      testAccuracyByEpoch.push(accuracy(classifier, te.data, te.labels, train.dim));
    }
    return {
      kind: o.kind,
      testAccuracy: testAccuracyByEpoch[testAccuracyByEpoch.length - 1] ?? accuracy(classifier, te.data, te.labels, train.dim),
      trainAccuracy: accuracy(classifier, tr.data, tr.labels, train.dim),
      testAccuracyByEpoch,
      trainExamples: tr.rows,
      testExamples: te.rows,
    };
  } finally {
    optimizer.dispose();
    classifier.params.dispose();
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
