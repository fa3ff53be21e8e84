/**
 * Probes on frozen features (dim.md §4.1, §10): a linear classifier, and DIM's non-linear one,
 *   Linear(200) -> Dropout(0.1) -> BatchNorm1d -> ReLU -> Linear(K),
 * trained with Adam on cross-entropy over features extracted once. Features are standardised with
 * the training set's per-dimension mean and std (`standardize`, default on; DIM feeds raw features,
 * which matters little for the MLP because of its BN but makes short linear probes stable).
 * Images labelled -1 (STL-10 unlabeled) are ignored.
 */
import { AdamW, sparseSoftmaxCrossEntropy, tf } from '../engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { BatchNorm } from './batch-norm.js';
import { Dense } from './dense.js';
import { VisionError } from '../errors.js';
import type { FeatureMatrix } from './features.js';
import { Params } from './params.js';

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
