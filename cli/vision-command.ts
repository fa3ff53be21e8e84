/**
 * `demi train vision --method dim-local|dim-global|infonce|demi [--config FILE] [--set k=v ...]
 *   [--dataset NAME] [--data-path PATH] [--out DIR] [--steps N] [--resume] [--backend NAME]`
 */
import { selectBackend } from '../model/engine/index.js';
import { parseArgs } from './args.js';

export const VISION_TRAIN_HELP = `usage: demi train vision --method dim-local|dim-global|infonce|demi [options]
  --config FILE      JSON config (see configs/vision-*.json); every field has a default
  --set key=value    override one field, e.g. --set objective.miUnits=256 (repeatable)
  --method NAME      dim-local (DIM(L)) | dim-global (DIM(G)) | infonce (two views) | demi (nested subviews)
  --dataset NAME     cifar10 (binary, downloaded) | cifar10-jpeg | stl10 | fashion-mnist | mnist | image-folder
  --data-path PATH   cifar10-jpeg: the .tar.gz; image-folder: the folder; mnist/fashion-mnist: the IDX folder
  --out DIR          output directory (checkpoints last/ and best/, log.jsonl, curves.svg)
  --steps N          training steps
  --resume           continue the run in --out from its last checkpoint, exactly
  --force            start a new run in an --out that holds one: the old run is moved to a
                     timestamped sibling (DIR.moved-YYYYMMDD-HHMMSS), never deleted
  --backend NAME     tensorflow-gpu | tensorflow | native | wasm | cpu`;

export async function visionTrainCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['config', 'out', 'steps', 'backend', 'method', 'dataset', 'data-path'], switches: ['resume', 'force', 'help'], repeated: ['set'],
  });
  if (args.switches.has('help')) {
    console.log(VISION_TRAIN_HELP);
    return;
  }
  const overrides = [...(args.repeated.set ?? [])];
  if (args.values.method) overrides.push(`method=${JSON.stringify(args.values.method)}`);
  if (args.values.dataset) overrides.push(`data.train.name=${JSON.stringify(args.values.dataset)}`);
  if (args.values['data-path']) overrides.push(`data.train.path=${JSON.stringify(args.values['data-path'])}`);
  if (args.values.out) overrides.push(`outDir=${JSON.stringify(args.values.out)}`);
  if (args.values.steps) overrides.push(`training.steps=${args.values.steps}`);
  const { loadVisionTrainConfig, trainVision } = await import('../model/vision/index.js');
  const config = loadVisionTrainConfig(args.values.config, overrides);
  await selectBackend(args.values.backend);
  const result = await trainVision(config, { resume: args.switches.has('resume'), force: args.switches.has('force') });
  console.log(JSON.stringify({ ...result, outDir: config.outDir }, null, 2));
}
