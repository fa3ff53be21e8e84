/**
 * Self-supervised vision training as a TrainingTask for the shared trainer (model/training):
 * batches of augmented views from a seeded epoch order, the method's loss, and validation on
 * held-out images (the objective in evaluation mode with fixed views, plus an optional quick linear
 * probe). The data state (epoch, position, augmentation random state) is checkpointed, so resume
 * is exact.
 */
import { tf } from '../engine/index.js';
import { SeededRandom, type RandomState } from '../../core/index.js';
import { epochBatches, type ImageSet } from '../../data/vision/index.js';
import type { StepOutput, TrainingTask } from '../training/index.js';
import { extractFeatures } from './probe.js';
import { trainProbe } from '../probe/index.js';
import type { FeatureName } from './encoder.js';
import type { VisionModel } from './vision-model.js';
import { trainInputs, type InputBatch, type TrainViewOptions } from './inputs.js';

export interface VisionTaskOptions {
  model: VisionModel;
  train: ImageSet;
  valid: ImageSet;
  batchSize: number;
  seed: number;
  views: TrainViewOptions;
  probe: { epochs: number; feature: FeatureName };
  checkpointExtras: () => { config: Record<string, unknown>; extraFiles?: Record<string, string | Uint8Array> };
}

interface VisionDataState {
  epoch: number;
  position: number;
  augment: RandomState;
}

export class VisionTask implements TrainingTask<InputBatch> {
  readonly variables: Record<string, tf.Variable>;
  readonly unit = 'img';
  private epoch = 0;
  private position = 0;
  private order: Int32Array[];
  private readonly augment: SeededRandom;

  constructor(private readonly o: VisionTaskOptions) {
    this.variables = o.model.variables;
    this.augment = new SeededRandom(o.seed * 7919 + 17);
    this.order = this.epochOrder(0);
    if (this.order.length === 0) throw new RangeError(`VisionTask: ${o.train.count} training images make no full batch of ${o.batchSize}`);
  }

  private epochOrder(epoch: number): Int32Array[] {
    return epochBatches(this.o.train.count, this.o.batchSize, new SeededRandom(this.o.seed * 1_000_003 + epoch));
  }

  nextBatch(): InputBatch {
    if (this.position >= this.order.length) {
      this.epoch += 1;
      this.position = 0;
      this.order = this.epochOrder(this.epoch);
    }
    const indices = this.order[this.position++];
    return trainInputs(this.o.train, indices, this.augment, this.o.views);
  }

  private tensorOf(batch: InputBatch): tf.Tensor4D {
    return tf.tensor4d(batch.data, [batch.count * batch.viewsPerImage, batch.size, batch.size, batch.channels]);
  }

  step(batch: InputBatch, random: SeededRandom): StepOutput {
    const out = this.o.model.loss(this.tensorOf(batch), batch.count, { training: true, random });
    return { loss: out.loss, metrics: out.metrics, items: batch.count };
  }

  /**
   * The objective on the held-out images in full batches, in evaluation mode, with views drawn
   * from a fixed seed (so every validation sees the same views), and the quick probe.
   */
  validate(): Record<string, number> {
    const { valid, batchSize, model } = this.o;
    const random = new SeededRandom(this.o.seed + 424242);
    const sums: Record<string, number> = {};
    let batches = 0;
    for (let start = 0; start + batchSize <= valid.count; start += batchSize) {
      const indices = Int32Array.from({ length: batchSize }, (_, i) => start + i);
      const batch = trainInputs(valid, indices, random, this.o.views);
      const values = tf.tidy(() => {
        const out = model.loss(this.tensorOf(batch), batch.count, { training: false });
        return { loss: tf.neg(out.objective), ...out.metrics };
      });
      for (const [k, t] of Object.entries(values)) {
        sums[k] = (sums[k] ?? 0) + t.dataSync()[0];
        t.dispose();
      }
      batches++;
    }
    const result: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) result[k] = v / Math.max(batches, 1);
    if (batches === 0) result.loss = NaN;
    const probe = this.quickProbe();
    if (probe !== undefined) result[`probe_${this.o.probe.feature}`] = probe;
    return result;
  }

  /** Linear probe on the held-out images: trained on the first half, tested on the second. */
  private quickProbe(): number | undefined {
    const { valid, probe, model } = this.o;
    const labelled = Array.from(valid.labels).filter((l) => l >= 0).length;
    if (probe.epochs <= 0 || labelled < 20) return undefined;
    const classes = Math.max(...valid.labels) + 1;
    const features = extractFeatures(model.encoder, valid, [probe.feature])[probe.feature];
    const half = Math.floor(valid.count / 2);
    const part = (a: number, b: number) => ({ data: features.data.subarray(a * features.dim, b * features.dim), rows: b - a, dim: features.dim });
    const result = trainProbe(part(0, half), valid.labels.subarray(0, half), part(half, valid.count), valid.labels.subarray(half),
      { kind: 'linear', classes, epochs: probe.epochs, batchSize: 128, learningRate: 1e-3, seed: this.o.seed });
    return result.testAccuracy;
  }

  dataState(): VisionDataState {
    return { epoch: this.epoch, position: this.position, augment: this.augment.getState() };
  }

  restoreDataState(state: unknown): void {
    const s = state as VisionDataState;
    this.epoch = s.epoch;
    this.position = s.position;
    this.order = this.epochOrder(s.epoch);
    this.augment.setState(s.augment);
  }

  checkpointExtras() {
    return this.o.checkpointExtras();
  }
}
