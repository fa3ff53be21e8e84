/**
 * `demi train dialogue|vision [--config FILE] [--out DIR] [--steps N] [--resume | --force] [--set key=value ...] [--backend NAME]`
 */
import { selectBackend } from '../model/engine/index.js';
import { parseArgs } from './args.js';
import { CliError } from './errors.js';

const HELP = `usage: demi train dialogue [options]   (demi train vision --help: DIM / DEMI on images)
  --config FILE      JSON config (see configs/); every field has a default
  --set key=value    override one field, e.g. --set objective.levels=2 (repeatable)
  --out DIR          output directory (checkpoints last/ and best/, log.jsonl, curves.svg)
  --steps N          training steps
  --resume           continue the run in --out from its last checkpoint, exactly
  --force            start a new run in an --out that holds one: the old run is moved to a
                     timestamped sibling (DIR.moved-YYYYMMDD-HHMMSS), never deleted
  --backend NAME     tensorflow-gpu | tensorflow | native | wasm | cpu`;

export async function trainCommand(argv: string[]): Promise<void> {
  const [what, ...rest] = argv;
  if (!what || what === '--help') {
    console.log(HELP);
    return;
  }
  if (what === 'vision') {
    const { visionTrainCommand } = await import('./vision-command.js');
    await visionTrainCommand(rest);
    return;
  }
  const args = parseArgs(rest, { values: ['config', 'out', 'steps', 'backend'], switches: ['resume', 'force', 'help'], repeated: ['set'] });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  const overrides = [...(args.repeated.set ?? [])];
  if (args.values.out) overrides.push(`outDir=${JSON.stringify(args.values.out)}`);
  if (args.values.steps) overrides.push(`training.steps=${args.values.steps}`);
  await selectBackend(args.values.backend);
  if (what === 'dialogue') {
    const { loadDialogueTrainConfig, trainDialogue } = await import('../model/dialogue/index.js');
    const config = loadDialogueTrainConfig(args.values.config, overrides);
    const result = await trainDialogue(config, { resume: args.switches.has('resume'), force: args.switches.has('force') });
    console.log(JSON.stringify({ ...result, outDir: config.outDir }, null, 2));
    return;
  }
  throw new CliError(`demi train: unknown target '${what}' (dialogue | vision)`);
}
