/**
 * Vision checkpoints: the shared trainer's directories (config.json + model.safetensors + training
 * state), whose config.json carries `{format: 'demi-vision', version, model, data, ...}`. The weights
 * hold the encoder, the critics, the prior discriminator and every BN's running statistics.
 */
import { join } from 'node:path';
import { checkArrays, readCheckpoint, WEIGHTS_FILE, type Checkpoint } from '../training/index.js';
import { VisionError } from '../errors.js';
import { VisionModel, type VisionModelConfig } from './vision-model.js';
import type { DatasetSpec } from './config.js';

export const VISION_CHECKPOINT_FORMAT = 'demi-vision';

export interface VisionCheckpointConfig {
  format: typeof VISION_CHECKPOINT_FORMAT;
  version: 1;
  model: VisionModelConfig;
  data: DatasetSpec;
  /** Images per class name, where known. */
  classNames?: string[];
}

export interface LoadedVisionModel {
  model: VisionModel;
  config: VisionCheckpointConfig;
  checkpoint: Checkpoint;
}

/**
 * Loads a checkpoint directory: a run's output directory (its best/ checkpoint, else last/) or a
 * checkpoint directory itself.
 */
export function loadVisionModel(dir: string): LoadedVisionModel {
  let checkpoint: Checkpoint;
  try {
    checkpoint = readCheckpoint(dir);
  } catch (first) {
    let found: Checkpoint | undefined;
    for (const sub of ['best', 'last']) {
      try {
        found = readCheckpoint(`${dir}/${sub}`);
        break;
      } catch { /* try the next */ }
    }
    if (!found) throw new VisionError(`${dir} is not a vision checkpoint (nor a run directory with best/ or last/): ${(first as Error).message}`);
    checkpoint = found;
  }
  const config = checkpoint.config as unknown as VisionCheckpointConfig;
  if (config.format !== VISION_CHECKPOINT_FORMAT) {
    throw new VisionError(`${checkpoint.dir} is not a vision checkpoint (config.json format is '${String(config.format)}', expected '${VISION_CHECKPOINT_FORMAT}')`);
  }
  const model = new VisionModel(config.model, checkpoint.weights);
  try {
    // The model was built from element counts; the shapes and values must fit too.
    checkArrays(join(checkpoint.dir, WEIGHTS_FILE), checkpoint.weights,
      new Map([...model.params.arrays()].map(([name, { shape }]) => [name, shape])));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, config, checkpoint };
}

/** A fresh model of the same configuration (the random-init baseline). */
export function randomInitModel(config: VisionModelConfig, seed: number): VisionModel {
  return new VisionModel(config, seed);
}
