/**
 * `demi synthetic`: flags -> runSyntheticExperiment -> the table on stdout, files in --out.
 * Progress goes to stderr.
 */
import { selectBackend } from '../model/engine/index.js';
import { DEFAULT_ESTIMATORS, runSyntheticExperiment, summarize, toMarkdown, type SyntheticOptions } from '../model/synthetic/index.js';
import { intFlag, listFlag, numberFlag, parseArgs } from './args.js';
import { CliError } from './errors.js';

export const SYNTHETIC_USAGE = `usage: demi synthetic [options]

Trains MI estimators on correlated Gaussians (y = rho x + sqrt(1 - rho^2) eps, I = -d/2 log(1 - rho^2))
along a staircase of true MI values and writes synthetic.{csv,json,md,svg} to --out.

  --out DIR             output directory (default runs/synthetic)
  --mi-values LIST      true MI staircase in nats (default 2,4,6,8,10,12,14,16,18,20)
  --steps N             training steps per MI value (default 120)
  --batch N             batch size N; in-batch negatives N - 1 (default 128)
  --estimators LIST     from infonce,nwj,jsd,dv,mine,demi-<M>,demi-<M>-exact
                        (default ${DEFAULT_ESTIMATORS.join(',')})
  --dim D               dimension of x and y (default 20)
  --hidden H --layers L --embed E   separable critic MLPs D-H-(H x L)-E (default 256, 2, 32)
  --lr LR               Adam learning rate (default 5e-4)
  --optimizer NAME      adam (engine AdamW, no decay) | tfjs-adam (default adam)
  --exact-negatives K   demi-M-exact: negatives per anchor (default N - 1)
  --exact-anchors A     demi-M-exact: anchors per batch given exact negatives (default 32)
  --warmup N            extra steps at the first MI value, not counted (default 200)
  --eval-fraction F     a stage's estimate is the mean over its last F of steps (default 0.5)
  --seed S              seed (default 0)
  --backend NAME        engine backend (default: DEMI_BACKEND or the fastest available)
  --quiet               no progress line
  -h, --help            this text
`;

const FLAGS = ['out', 'mi-values', 'steps', 'batch', 'estimators', 'dim', 'hidden', 'layers', 'embed', 'lr', 'optimizer',
  'exact-negatives', 'exact-anchors', 'eval-fraction', 'warmup', 'seed', 'backend'];

/** Parses `demi synthetic` flags into experiment options (exported for tests). */
export function parseSyntheticArgs(argv: string[]): { options: SyntheticOptions; backend?: string; help: boolean } {
  const args = parseArgs(argv, { values: FLAGS, switches: ['quiet', 'help'], command: 'synthetic' });
  if (args.positional.length > 0) throw new CliError(`demi synthetic takes no positional arguments (got '${args.positional[0]}')`, { hint: 'see demi synthetic --help' });
  const v = args.values;
  const options: SyntheticOptions = {
    out: v.out ?? 'runs/synthetic',
    miValues: listFlag(args, 'mi-values')?.map((s) => {
      const value = Number(s);
      if (!Number.isFinite(value)) throw new CliError(`--mi-values must be numbers, got '${s}'`);
      return value;
    }),
    steps: intFlag(args, 'steps'),
    batch: intFlag(args, 'batch'),
    estimators: listFlag(args, 'estimators'),
    dim: intFlag(args, 'dim'),
    hidden: intFlag(args, 'hidden'),
    layers: intFlag(args, 'layers'),
    embed: intFlag(args, 'embed'),
    learningRate: numberFlag(args, 'lr'),
    optimizer: v.optimizer as SyntheticOptions['optimizer'],
    exactNegatives: intFlag(args, 'exact-negatives'),
    exactAnchors: intFlag(args, 'exact-anchors'),
    evalFraction: numberFlag(args, 'eval-fraction'),
    warmupSteps: intFlag(args, 'warmup'),
    seed: intFlag(args, 'seed'),
    progress: !args.switches.has('quiet'),
  };
  for (const key of Object.keys(options) as (keyof SyntheticOptions)[]) if (options[key] === undefined) delete options[key];
  return { options, backend: v.backend, help: args.switches.has('help') };
}

/** Runs `demi synthetic argv...`; returns the exit code. */
export async function syntheticCommand(argv: string[]): Promise<number> {
  const { options, backend, help } = parseSyntheticArgs(argv);
  if (help) {
    process.stdout.write(SYNTHETIC_USAGE);
    return 0;
  }
  await selectBackend(backend);
  const result = await runSyntheticExperiment(options);
  process.stdout.write(toMarkdown(result));
  process.stdout.write('\n' + summarize(result).lines.join('\n') + '\n');
  if (result.files) {
    process.stdout.write(`\nwrote ${result.files.csv}, ${result.files.json}, ${result.files.markdown}, ${result.files.svg}\n`);
  }
  return 0;
}
