/**
 * `demi train vision`: data set -> held-out split -> VisionModel (encoder + the method's critics) ->
 * the shared trainer. The output directory gets the resolved config, log.jsonl, curves.svg and the
 * best/ and last/ checkpoints (weights incl. BN statistics, config, training state).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../../core/index.js';
import { sliceImageSet, subsetImageSet } from '../../data/vision/index.js';
import { train, withRunDirectory, type TrainingResult } from '../training/index.js';
import { resolveAugment, resolveObjective, type VisionTrainConfig } from './config.js';
import { loadVisionDataset, seededSubset } from './inputs.js';
import { architectureOf } from './encoder.js';
import { VISION_CHECKPOINT_FORMAT, type VisionCheckpointConfig } from './checkpoint.js';
import { VisionTask } from './task.js';
import { VisionModel, type VisionModelConfig } from './vision-model.js';
import { VisionError } from '../errors.js';

export function visionModelConfig(config: VisionTrainConfig, channels: number): VisionModelConfig {
  const r = resolveObjective(config);
  const o = config.objective;
  return {
    method: config.method,
    encoder: { architecture: config.encoder.architecture as VisionModelConfig['encoder']['architecture'], channels, outputUnits: config.encoder.outputUnits, width: config.encoder.width },
    objective: {
      estimator: o.estimator, miUnits: o.miUnits, alpha: r.alpha, beta: r.beta, gamma: r.gamma,
      priorHidden: o.priorHidden, gradientPenalty: o.gradientPenalty, levels: r.levels, tau: o.tau,
    },
  };
}

export async function trainVision(config: VisionTrainConfig, options: { resume?: boolean; force?: boolean } = {}): Promise<TrainingResult> {
  // Before any image is read or downloaded (docs/ARCHITECTURE.md §5: nothing deletes a run).
  return withRunDirectory(config.outDir, { ...options, training: config.training }, () => trainInPreparedDirectory(config, options));
}

async function trainInPreparedDirectory(config: VisionTrainConfig, options: { resume?: boolean }): Promise<TrainingResult> {
  mkdirSync(config.outDir, { recursive: true });
  writeFileSync(join(config.outDir, 'config.resolved.json'), `${JSON.stringify(config, null, 2)}\n`);
  const size = architectureOf(config.encoder.architecture).inputSize;
  const seed = config.training.seed;
  const loadStart = performance.now();
  const all = await loadVisionDataset(config.data.train, { imageSize: size, seed });
  // A seeded shuffle, then the last validImages are held out.
  const shuffled = subsetImageSet(all, seededSubset(all.count, all.count, seed + 1));
  const validCount = Math.min(config.data.validImages, Math.floor(shuffled.count / 2));
  const trainSet = sliceImageSet(shuffled, 0, shuffled.count - validCount);
  const validSet = sliceImageSet(shuffled, shuffled.count - validCount);
  if (trainSet.count < config.training.batchSize) {
    throw new VisionError(`${trainSet.count} training images are fewer than one batch of ${config.training.batchSize}`);
  }
  log.info({ dataset: config.data.train.name, train: trainSet.count, valid: validSet.count, seconds: (performance.now() - loadStart) / 1000 }, 'vision data loaded');

  const modelConfig = visionModelConfig(config, all.channels);
  const model = new VisionModel(modelConfig, seed);
  const checkpointConfig: VisionCheckpointConfig = {
    format: VISION_CHECKPOINT_FORMAT, version: 1, model: modelConfig, data: config.data.train, classNames: all.classNames,
  };
  const resolved = resolveObjective(config);
  const task = new VisionTask({
    model, train: trainSet, valid: validSet, batchSize: config.training.batchSize, seed,
    views: { augment: resolveAugment(config), size, levels: resolved.levels, scales: config.objective.subviewScales, minScale: config.objective.minScale },
    probe: { epochs: config.validation.probeEpochs, feature: config.validation.probeFeature },
    checkpointExtras: () => ({ config: checkpointConfig as unknown as Record<string, unknown> }),
  });
  log.info({ method: config.method, parameters: model.params.parameterCount(), encoder: config.encoder.architecture, ...resolved }, 'training vision model');
  try {
    return await train(task, { ...config.training, outDir: config.outDir }, { resume: options.resume });
  } finally {
    model.dispose();
  }
}
