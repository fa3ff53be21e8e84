/**
 * `demi synthetic`: flags -> runSyntheticExperiment -> the table on stdout, files in --out.
 * Progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../engine/index.js';
import { SyntheticError } from './errors.js';
import { DEFAULT_ESTIMATORS } from './estimators.js';
import { runSyntheticExperiment } from './experiment.js';
import type { SyntheticOptions } from './options.js';
import { toMarkdown } from './report.js';
import { summarize } from './summary.js';

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

function numberFlag(name: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new SyntheticError(`--${name}: expected ${integer ? 'an integer' : 'a number'}, got '${value}'`);
  }
  return v;
}

function listFlag(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Parses `demi synthetic` flags into experiment options (exported for tests). */
export function parseSyntheticArgs(argv: string[]): { options: SyntheticOptions; backend?: string; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        'mi-values': { type: 'string' },
        steps: { type: 'string' },
        batch: { type: 'string' },
        estimators: { type: 'string' },
        dim: { type: 'string' },
        hidden: { type: 'string' },
        layers: { type: 'string' },
        embed: { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string' },
        'exact-negatives': { type: 'string' },
        'exact-anchors': { type: 'string' },
        'eval-fraction': { type: 'string' },
        warmup: { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new SyntheticError(`${(err as Error).message}; see demi synthetic --help`);
  }
  const v = parsed.values;
  const miValues = listFlag(v['mi-values'])?.map((s) => numberFlag('mi-values', s) as number);
  const options: SyntheticOptions = {
    out: v.out ?? 'runs/synthetic',
    miValues,
    steps: numberFlag('steps', v.steps, true),
    batch: numberFlag('batch', v.batch, true),
    estimators: listFlag(v.estimators),
    dim: numberFlag('dim', v.dim, true),
    hidden: numberFlag('hidden', v.hidden, true),
    layers: numberFlag('layers', v.layers, true),
    embed: numberFlag('embed', v.embed, true),
    learningRate: numberFlag('lr', v.lr),
    optimizer: v.optimizer as SyntheticOptions['optimizer'],
    exactNegatives: numberFlag('exact-negatives', v['exact-negatives'], true),
    exactAnchors: numberFlag('exact-anchors', v['exact-anchors'], true),
    evalFraction: numberFlag('eval-fraction', v['eval-fraction']),
    warmupSteps: numberFlag('warmup', v.warmup, true),
    seed: numberFlag('seed', v.seed, true),
    progress: !v.quiet,
  };
  for (const key of Object.keys(options) as (keyof SyntheticOptions)[]) if (options[key] === undefined) delete options[key];
  return { options, backend: v.backend, help: Boolean(v.help) };
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
