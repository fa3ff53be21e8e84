/**
 * Frozen-encoder features for probes (dim.md §4): conv (last conv block, flattened), fc (last
 * hidden fc block) and Y, extracted once in evaluation mode (BN running statistics), in batches.
 */
import { tf } from '../engine/index.js';
import type { ImageSet } from '../../data/vision/index.js';
import type { Encoder, FeatureName } from './encoder.js';
import { evalInputs } from './views.js';

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
