/**
 * Classifiers on frozen features (docs/ARCHITECTURE.md §9 for images, §5 for dialogue contexts): how
 * much of a label an encoder's representation makes linearly (or, with one hidden layer, simply)
 * decodable. Shared by `demi probe` (vision) and `demi evaluate-encoder` (dialogue).
 */
import { tf, AdamW, dropout, sparseSoftmaxCrossEntropy } from '../engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { BatchNorm, Dense, Params } from '../vision/layers.js';
import { ProbeError } from '../errors.js';

/** Row-major features: `rows` vectors of `dim` floats. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

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
  /** Test macro-F1 after the last epoch (macroF1). */
  testMacroF1: number;
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
      if (training && this.dropout > 0) h = dropout(h, this.dropout, random!.opSeed());
      h = tf.relu(this.norm!.apply(h, training));
      return this.second!.apply(h) as tf.Tensor2D;
    });
  }
}

/** Rows with a label >= 0, standardised with `stats` (computed from these rows when not given). */
function prepare(f: FeatureMatrix, labels: Int32Array, standardize: boolean, stats?: { mean: Float32Array; std: Float32Array }) {
  if (labels.length !== f.rows) throw new ProbeError(`probe: ${f.rows} feature rows but ${labels.length} labels`);
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

function predict(c: Classifier, data: Float32Array, rows: number, dim: number): Int32Array {
  const predicted = new Int32Array(rows);
  const batch = 1024;
  for (let s = 0; s < rows; s += batch) {
    const n = Math.min(batch, rows - s);
    predicted.set(tf.tidy(() => tf.argMax(c.logits(tf.tensor2d(data.subarray(s * dim, (s + n) * dim), [n, dim]), false), 1).dataSync() as Int32Array), s);
  }
  return predicted;
}

function accuracy(c: Classifier, data: Float32Array, labels: Int32Array, dim: number): number {
  return accuracyOf(predict(c, data, labels.length, dim), labels);
}

export function accuracyOf(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length > 0 ? correct / labels.length : 0;
}

/**
 * Macro-F1 over the classes present in `labels` or predicted (scikit-learn's f1_score(average='macro')
 * with its default labels): the unweighted mean of per-class F1, so a rare class counts as much as the
 * majority class. A class never predicted and never true does not enter the mean.
 */
export function macroF1(predicted: Int32Array, labels: Int32Array): number {
  const truePositive = new Map<number, number>();
  const predictedCount = new Map<number, number>();
  const labelCount = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    predictedCount.set(predicted[i], (predictedCount.get(predicted[i]) ?? 0) + 1);
    labelCount.set(labels[i], (labelCount.get(labels[i]) ?? 0) + 1);
    if (predicted[i] === labels[i]) truePositive.set(labels[i], (truePositive.get(labels[i]) ?? 0) + 1);
  }
  const classes = new Set([...predictedCount.keys(), ...labelCount.keys()]);
  let sum = 0;
  for (const k of classes) {
    const tp = truePositive.get(k) ?? 0;
    const denominator = (predictedCount.get(k) ?? 0) + (labelCount.get(k) ?? 0);
    sum += denominator > 0 ? (2 * tp) / denominator : 0;
  }
  return classes.size > 0 ? sum / classes.size : 0;
}

/** The baseline a probe must beat: always answer the training set's most frequent class. */
export function majorityBaseline(trainLabels: Int32Array, testLabels: Int32Array): { label: number; testAccuracy: number; testMacroF1: number } {
  const counts = new Map<number, number>();
  for (const l of trainLabels) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  let label = -1;
  for (const [k, n] of counts) if (label < 0 || n > counts.get(label)! || (n === counts.get(label)! && k < label)) label = k;
  const kept = testLabels.filter((l) => l >= 0);
  const predicted = new Int32Array(kept.length).fill(label);
  return { label, testAccuracy: accuracyOf(predicted, kept), testMacroF1: macroF1(predicted, kept) };
}

export function trainProbe(train: FeatureMatrix, trainLabels: Int32Array, test: FeatureMatrix, testLabels: Int32Array, o: ProbeOptions): ProbeResult {
  if (train.dim !== test.dim) throw new ProbeError(`probe: train features have ${train.dim} dimensions, test features ${test.dim}`);
  const standardize = o.standardize ?? true;
  const tr = prepare(train, trainLabels, standardize);
  const te = prepare(test, testLabels, standardize, tr.stats);
  if (tr.rows < 2) throw new ProbeError('probe: fewer than 2 labelled training images');
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
    const testPredicted = predict(classifier, te.data, te.rows, train.dim);
    return {
      kind: o.kind,
      testAccuracy: accuracyOf(testPredicted, te.labels),
      testMacroF1: macroF1(testPredicted, te.labels),
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

