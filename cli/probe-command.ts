/**
 * `demi probe --model DIR --dataset NAME [--data-path PATH] [--features conv,fc,y]
 *   [--classifier linear,mlp] [--epochs N] [--train-images N] [--test-images N] [--random-init] [--out FILE]`
 * Linear / MLP classifiers on frozen features; prints (and writes) a JSON report of test accuracies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { selectBackend } from '../model/engine/index.js';
import { numberFlag, parseArgs } from './args.js';
import { CliError } from './errors.js';

const HELP = `usage: demi probe --model DIR --dataset NAME [options]
  --model DIR          a vision checkpoint, or a run directory (uses best/, else last/)
  --random-init        probe a freshly initialised encoder of the same configuration instead (the baseline;
                       BN statistics calibrated on the training images). Without --model, give --encoder.
  --encoder NAME       basic32x32 | alex64x64 (only with --random-init and no --model)
  --width W            encoder width multiplier for --encoder (default 1)
  --dataset NAME       cifar10 | cifar10-jpeg | stl10 | fashion-mnist | mnist | image-folder (default: the model's)
  --data-path PATH     the archive / folder the dataset needs
  --train-split NAME   default train;  --test-split NAME  default test
  --train-images N     use N training images (seeded subset; default all)
  --test-images N      use N test images (default all)
  --features LIST      conv,fc,y (default all three)
  --classifier LIST    linear,mlp (default both; mlp = DIM's Linear 200 - Dropout 0.1 - BN - ReLU - Linear K)
  --epochs N           classifier epochs (default 10)
  --batch-size N       default 64;  --lr X  Adam learning rate (default 1e-3)
  --no-standardize     feed raw features (default: standardised with training mean/std)
  --seed N             default 1
  --out FILE           also write the JSON report here
  --backend NAME       tensorflow-gpu | tensorflow | native | wasm | cpu`;

function list<T extends string>(raw: string | undefined, allowed: readonly T[], fallback: T[], flag: string): T[] {
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const item of items) if (!(allowed as readonly string[]).includes(item)) throw new CliError(`--${flag}: unknown '${item}' (choose from ${allowed.join(', ')})`);
  if (items.length === 0) throw new CliError(`--${flag} needs at least one of ${allowed.join(', ')}`);
  return items as T[];
}

export async function probeCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['model', 'encoder', 'width', 'dataset', 'data-path', 'train-split', 'test-split', 'train-images', 'test-images',
      'features', 'classifier', 'epochs', 'batch-size', 'lr', 'seed', 'out', 'backend'],
    switches: ['random-init', 'no-standardize', 'help'],
  });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  const model = args.values.model;
  const randomInit = args.switches.has('random-init');
  if (!model && !randomInit) throw new CliError(`demi probe: give --model DIR (or --random-init --encoder NAME)\n\n${HELP}`);
  await selectBackend(args.values.backend);
  const vision = await import('../model/vision/index.js');
  let dataset;
  if (model) {
    const loaded = vision.loadVisionModel(model);
    dataset = loaded.config.data;
    loaded.model.dispose();
  }
  const name = args.values.dataset ?? dataset?.name;
  if (!name) throw new CliError('demi probe: --dataset is required without --model');
  if (!(vision.DATASETS as readonly string[]).includes(name)) throw new CliError(`--dataset: unknown '${name}' (${vision.DATASETS.join(', ')})`);
  dataset = {
    name: name as (typeof vision.DATASETS)[number],
    path: args.values['data-path'] ?? (name === dataset?.name ? dataset?.path : undefined),
    split: args.values['train-split'] ?? 'train',
    cacheDir: dataset?.cacheDir,
  };
  let modelConfig;
  if (!model) {
    const architecture = args.values.encoder ?? 'basic32x32';
    vision.architectureOf(architecture);
    const channels = name === 'mnist' || name === 'fashion-mnist' ? 1 : 3;
    modelConfig = vision.visionModelConfig(vision.parseVisionTrainConfig({
      method: 'dim-local', encoder: { architecture, width: numberFlag(args, 'width') ?? 1 }, objective: { gamma: 0 },
    }), channels);
  }
  const report = await vision.runProbe({
    model, modelConfig, randomInit, dataset, testSplit: args.values['test-split'] ?? 'test',
    trainImages: numberFlag(args, 'train-images'), testImages: numberFlag(args, 'test-images'),
    features: list(args.values.features, vision.FEATURE_NAMES, [...vision.FEATURE_NAMES], 'features'),
    classifiers: list(args.values.classifier, vision.CLASSIFIER_KINDS, [...vision.CLASSIFIER_KINDS], 'classifier'),
    epochs: numberFlag(args, 'epochs') ?? 10, batchSize: numberFlag(args, 'batch-size') ?? 64,
    learningRate: numberFlag(args, 'lr') ?? 1e-3, seed: numberFlag(args, 'seed') ?? 1, standardize: !args.switches.has('no-standardize'),
  });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (args.values.out) {
    mkdirSync(dirname(args.values.out), { recursive: true });
    writeFileSync(args.values.out, text);
  }
  process.stdout.write(text);
}
