/**
 * `demi train dialogue|vision [--config FILE] [--out DIR] [--steps N] [--resume | --force] [--set key=value ...] [--backend NAME]`;
 * vision also takes `--method`, `--dataset` and `--data-path`. The two targets share their run flags.
 */
import { selectBackend } from '../model/engine/index.js';
import { parseArgs, type ParsedArgs } from './args.js';
import { CliError } from './errors.js';

const RUN_FLAGS_HELP = `  --out DIR          output directory (checkpoints last/ and best/, log.jsonl, curves.svg)
  --steps N          training steps
  --resume           continue the run in --out from its last checkpoint, exactly
  --force            start a new run in an --out that holds one: the old run is moved to a
                     timestamped sibling (DIR.moved-YYYYMMDD-HHMMSS), never deleted
  --backend NAME     tensorflow-gpu | tensorflow | native | wasm | cpu`;

const DIALOGUE_HELP = `usage: demi train dialogue [options]   (demi train vision --help: DIM / DEMI on images)
  --config FILE      JSON config (see configs/); every field has a default
  --set key=value    override one field, e.g. --set objective.levels=2 (repeatable)
${RUN_FLAGS_HELP}`;

const VISION_HELP = `usage: demi train vision --method dim-local|dim-global|infonce|demi [options]
  --config FILE      JSON config (see configs/vision-*.json); every field has a default
  --set key=value    override one field, e.g. --set objective.miUnits=256 (repeatable)
  --method NAME      dim-local (DIM(L)) | dim-global (DIM(G)) | infonce (two views) | demi (nested subviews)
  --dataset NAME     cifar10 (binary, downloaded) | cifar10-jpeg | stl10 | fashion-mnist | mnist | image-folder
  --data-path PATH   cifar10-jpeg: the .tar.gz; image-folder: the folder; mnist/fashion-mnist: the IDX folder
${RUN_FLAGS_HELP}`;

/** Flags of the target on top of the shared ones, each with the config key it sets. */
const TARGET_FLAGS: Record<string, Record<string, string>> = {
  dialogue: {},
  vision: { method: 'method', dataset: 'data.train.name', 'data-path': 'data.train.path' },
};

function runOverrides(args: ParsedArgs, targetFlags: Record<string, string>): string[] {
  const overrides = [...(args.repeated.set ?? [])];
  for (const [flag, key] of Object.entries(targetFlags)) {
    if (args.values[flag]) overrides.push(`${key}=${JSON.stringify(args.values[flag])}`);
  }
  if (args.values.out) overrides.push(`outDir=${JSON.stringify(args.values.out)}`);
  if (args.values.steps) overrides.push(`training.steps=${args.values.steps}`);
  return overrides;
}

export async function trainCommand(argv: string[]): Promise<void> {
  const [what, ...rest] = argv;
  if (!what || what === '--help') {
    console.log(DIALOGUE_HELP);
    return;
  }
  const targetFlags = TARGET_FLAGS[what];
  if (!targetFlags) throw new CliError(`demi train: unknown target '${what}' (dialogue | vision)`);
  const args = parseArgs(rest, {
    values: ['config', 'out', 'steps', 'backend', ...Object.keys(targetFlags)], switches: ['resume', 'force', 'help'], repeated: ['set'],
  });
  if (args.switches.has('help')) {
    console.log(what === 'vision' ? VISION_HELP : DIALOGUE_HELP);
    return;
  }
  const overrides = runOverrides(args, targetFlags);
  const run = { resume: args.switches.has('resume'), force: args.switches.has('force') };
  if (what === 'vision') {
    const { loadVisionTrainConfig, trainVision } = await import('../model/vision/index.js');
    // the config is checked before the backend loads, so a bad flag fails fast
    const config = loadVisionTrainConfig(args.values.config, overrides);
    await selectBackend(args.values.backend);
    const result = await trainVision(config, run);
    console.log(JSON.stringify({ ...result, outDir: config.outDir }, null, 2));
    return;
  }
  await selectBackend(args.values.backend);
  const { loadDialogueTrainConfig, trainDialogue } = await import('../model/dialogue/index.js');
  const config = loadDialogueTrainConfig(args.values.config, overrides);
  const result = await trainDialogue(config, run);
  console.log(JSON.stringify({ ...result, outDir: config.outDir }, null, 2));
}
