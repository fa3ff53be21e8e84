/**
 * The training loop shared by the dialogue and vision trainers: AdamW with warmup + cosine decay,
 * global-norm clipping, seeded randomness, validation every N steps, best/last checkpoints written
 * atomically, exact resume, early stopping, NaN/inf detection, a JSONL log, progress and a plot.
 *
 * Resuming is bit-for-bit: the last checkpoint holds the weights, the optimizer moments, the step,
 * the training random state (dropout) and the data position, and nothing else feeds the run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf, AdamW, clipByGlobalNorm, variableArrays } from '../engine/index.js';
import { SeededRandom, log, type RandomState, JsonlLog, type LogRecord, Progress, writeTrainingPlot } from '../../core/index.js';
import { checkArrays, readCheckpoint, writeCheckpoint, TRAIN_TENSORS_FILE, WEIGHTS_FILE, type NamedArrays } from './checkpoint.js';
import { recoverCheckpoints } from './run-directory.js';
import { learningRateAt } from './schedule.js';
import { CheckpointError, TrainingDivergedError } from '../errors.js';

export interface TrainerConfig {
  steps: number;
  learningRate: number;
  warmupSteps: number;
  minLearningRateRatio: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Global gradient-norm clip (0: off). */
  clipNorm: number;
  seed: number;
  evalEvery: number;
  /** Stop after this many evaluations without a better validation loss (0: never). */
  patience: number;
  logEvery: number;
  outDir: string;
}

export interface StepOutput {
  loss: tf.Scalar;
  /** Scalars to log (each MI term, the LM loss, ...). */
  metrics: Record<string, tf.Scalar>;
  /** Tokens (or images) in the batch, for the throughput figure. */
  items: number;
}

export interface TrainingTask<Batch> {
  /** Trainable variables by stable name (the names key the optimizer state in checkpoints). */
  variables: Record<string, tf.Variable>;
  /** The next training batch; deterministic given the data state. */
  nextBatch(): Batch;
  /** Forward pass and loss, run under the gradient tape; `random` drives dropout. */
  step(batch: Batch, random: SeededRandom): StepOutput;
  disposeBatch?(batch: Batch): void;
  /** Validation metrics; `loss` decides the best checkpoint. Must not draw from the training random state. */
  validate(): Record<string, number>;
  dataState(): unknown;
  restoreDataState(state: unknown): void;
  /** What the checkpoint needs besides weights and training state (config.json contents, tokenizer file). */
  checkpointExtras(): { config: Record<string, unknown>; extraFiles?: Record<string, string | Uint8Array> };
  /** Weights to save (defaults to `variables`). */
  weights?(): NamedArrays;
  unit?: string;
}

export interface TrainingResult {
  step: number;
  bestValidationLoss: number;
  lastValidation?: Record<string, number>;
  stoppedEarly: boolean;
  lastCheckpoint: string;
  bestCheckpoint: string;
}

interface SavedTrainState {
  step: number;
  random: RandomState;
  data: unknown;
  bestValidationLoss: number;
  evalsWithoutImprovement: number;
  optimizerStep: number;
}

export interface TrainOptions {
  resume?: boolean;
  /** Records that open the log of a fresh run (baselines); a resumed run keeps the ones it has. */
  initialRecords?: LogRecord[];
}

export async function train<Batch>(task: TrainingTask<Batch>, config: TrainerConfig, options: TrainOptions = {}): Promise<TrainingResult> {
  const lastDir = join(config.outDir, 'last');
  const bestDir = join(config.outDir, 'best');
  const logFile = new JsonlLog(join(config.outDir, 'log.jsonl'));
  const random = new SeededRandom(config.seed);
  const optimizer = new AdamW({
    learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2, weightDecay: config.weightDecay,
  });
  let step = 0;
  let bestValidationLoss = Infinity;
  let evalsWithoutImprovement = 0;

  // A kill between the renames of a checkpoint swap leaves no last/ but a complete copy beside it.
  recoverCheckpoints(config.outDir);
  // Only a checkpoint of this run (resumed from or written since) is worth pointing at after a divergence.
  let ownCheckpoint = false;
  if (options.resume) {
    if (!existsSync(lastDir)) {
      throw new CheckpointError(`--resume: there is no checkpoint at ${lastDir} to resume from`, { hint: 'run without --resume to start a new run' });
    }
    const checkpoint = readCheckpoint(lastDir, { trainState: true });
    const shapes = new Map(Object.entries(task.variables).map(([name, v]) => [name, v.shape]));
    checkArrays(join(lastDir, WEIGHTS_FILE), checkpoint.weights, shapes);
    checkArrays(join(lastDir, TRAIN_TENSORS_FILE), checkpoint.trainState!.tensors,
      // Only trainable variables have optimizer moments (BatchNorm statistics do not).
      new Map(Object.entries(task.variables).filter(([, v]) => v.trainable).flatMap(([name, v]) => [[`m.${name}`, v.shape], [`v.${name}`, v.shape]])));
    ownCheckpoint = true;
    for (const [name, variable] of Object.entries(task.variables)) {
      const saved = checkpoint.weights.get(name)!;
      const restored = tf.tensor(saved.data, variable.shape);
      variable.assign(restored);
      restored.dispose();
    }
    const state = checkpoint.trainState!.json as unknown as SavedTrainState;
    const moments: Record<string, { m: Float32Array; v: Float32Array }> = {};
    for (const [name, t] of checkpoint.trainState!.tensors) {
      const [kind, ...rest] = name.split('.');
      const key = rest.join('.');
      moments[key] ??= { m: new Float32Array(0), v: new Float32Array(0) };
      if (kind === 'm' || kind === 'v') moments[key][kind] = t.data;
    }
    optimizer.setState({ step: state.optimizerStep, moments }, task.variables);
    random.setState(state.random);
    task.restoreDataState(state.data);
    step = state.step;
    bestValidationLoss = state.bestValidationLoss ?? Infinity;
    evalsWithoutImprovement = state.evalsWithoutImprovement;
    logFile.truncateAfter(step);
    log.info({ step, dir: lastDir }, 'resumed from checkpoint');
  } else {
    logFile.truncateAfter(-1);
    for (const record of options.initialRecords ?? []) logFile.append(record);
  }

  const saveCheckpoint = (dir: string, withState: boolean, extraConfig: Record<string, unknown>) => {
    const extras = task.checkpointExtras();
    const trainState = withState ? (() => {
      const opt = optimizer.getState();
      const tensors: NamedArrays = new Map();
      for (const [name, { m, v }] of Object.entries(opt.moments)) {
        const shape = task.variables[name].shape;
        tensors.set(`m.${name}`, { shape, data: m });
        tensors.set(`v.${name}`, { shape, data: v });
      }
      const json: SavedTrainState = { step, random: random.getState(), data: task.dataState(), bestValidationLoss, evalsWithoutImprovement, optimizerStep: opt.step };
      return { json: json as unknown as Record<string, unknown>, tensors };
    })() : undefined;
    writeCheckpoint(dir, {
      config: { ...extras.config, training: { ...config, step, ...extraConfig } },
      weights: task.weights ? task.weights() : variableArrays(task.variables),
      extraFiles: extras.extraFiles,
      trainState,
    });
  };

  const variableList = Object.values(task.variables);
  const progress = new Progress(config.steps, step, task.unit ?? 'tok');
  let lastValidation: Record<string, number> | undefined;
  let stoppedEarly = false;
  let windowItems = 0;
  let windowStart = performance.now();

  while (step < config.steps) {
    const lr = learningRateAt(step + 1, {
      peak: config.learningRate, warmupSteps: config.warmupSteps, totalSteps: config.steps, minRatio: config.minLearningRateRatio,
    });
    const batch = task.nextBatch();
    let metricTensors: Record<string, tf.Scalar> = {};
    let items = 0;
    const { value, grads: gradList } = tf.variableGrads(() => {
      const out = task.step(batch, random);
      metricTensors = Object.fromEntries(Object.entries(out.metrics).map(([k, t]) => [k, tf.keep(t)]));
      items = out.items;
      return out.loss;
    }, variableList);
    task.disposeBatch?.(batch);
    const loss = value.dataSync()[0];
    const metrics: Record<string, number> = { loss };
    for (const [k, t] of Object.entries(metricTensors)) metrics[k] = t.dataSync()[0];
    // A metric may be the loss tensor itself (the MLE objective's loss is its lm term): dispose each once.
    tf.dispose([...new Set([value, ...Object.values(metricTensors)])]);
    const grads: Record<string, tf.Tensor> = {};
    // tf.variableGrads keys gradients by TF.js variable names; the optimizer state uses ours.
    for (const [name, variable] of Object.entries(task.variables)) if (gradList[variable.name]) grads[name] = gradList[variable.name];
    const { grads: clipped, norm } = clipByGlobalNorm(grads, config.clipNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
      tf.dispose(Object.values(clipped));
      optimizer.dispose();
      progress.stop();
      logFile.append({ step: step + 1, kind: 'diverged', loss, gradNorm: norm });
      const where = ownCheckpoint ? `the last good checkpoint is ${lastDir}` : 'no checkpoint of this run was written yet';
      throw new TrainingDivergedError(`training diverged at step ${step + 1}: loss ${loss}, gradient norm ${norm}. Nothing was updated; ${where}`, {
        hint: ownCheckpoint
          ? 'lower the learning rate or raise the warmup, then continue from it with --resume'
          : 'lower the learning rate or raise the warmup, then start again with --force (or another --out)',
      });
    }
    optimizer.apply(task.variables, clipped, lr);
    tf.dispose(Object.values(clipped));
    step += 1;
    windowItems += items;

    if (step % config.logEvery === 0 || step === config.steps) {
      const seconds = (performance.now() - windowStart) / 1000;
      const throughput = windowItems / Math.max(seconds, 1e-9);
      logFile.append({ step, kind: 'train', ...metrics, lr, gradNorm: norm, [`${task.unit ?? 'tok'}PerSecond`]: throughput });
      progress.update(step, { loss, throughput });
      windowItems = 0;
      windowStart = performance.now();
    }

    if (step % config.evalEvery === 0 || step === config.steps) {
      lastValidation = task.validate();
      const improved = lastValidation.loss < bestValidationLoss;
      if (improved) {
        bestValidationLoss = lastValidation.loss;
        evalsWithoutImprovement = 0;
      } else {
        evalsWithoutImprovement += 1;
      }
      logFile.append({ step, kind: 'val', ...lastValidation });
      progress.note(`step ${step}: ${Object.entries(lastValidation).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}${improved ? ' (best)' : ''}`);
      if (improved) saveCheckpoint(bestDir, false, { validation: lastValidation });
      saveCheckpoint(lastDir, true, { validation: lastValidation });
      ownCheckpoint = true;
      if (config.patience > 0 && evalsWithoutImprovement >= config.patience) {
        stoppedEarly = true;
        progress.note(`early stopping: no better validation loss in ${config.patience} evaluations`);
        break;
      }
    }
  }
  progress.stop();
  optimizer.dispose();
  await writeTrainingPlot(logFile.read(), join(config.outDir, 'curves.svg'));
  return { step, bestValidationLoss, lastValidation, stoppedEarly, lastCheckpoint: lastDir, bestCheckpoint: bestDir };
}
