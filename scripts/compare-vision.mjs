#!/usr/bin/env node
/**
 * The DEMI vs InfoNCE comparison on the CIFAR-10 JPEG copy (README "DEMI vs InfoNCE on CIFAR-10
 * (JPEG copy)"), over seeds: trains both methods with configs/vision-cifar10-jpeg-short.json (same
 * encoder, batch, steps and data; only the method differs) once per seed, probes the last checkpoint
 * (`demi probe`: MLP and linear classifiers on the conv and Y features), and writes results.md /
 * results.json with mean +- sample std over seeds and the paired DEMI - InfoNCE differences, so the
 * README's table is this script's output, never typed.
 *
 *   node scripts/compare-vision.mjs [--data-path FILE] [--seeds 1,2,3] [--out runs/compare-vision]
 *     [--results docs/results/compare-vision] [--methods infonce,demi] [--steps N]
 *     [--probe-train-images 10000] [--probe-test-images 5000] [--probe-epochs 10] [--report-only]
 *
 * Each finished run leaves a small summary in --results (committed with the repository); a run whose
 * summary exists is not redone. One with a checkpoint but no summary is resumed (`--resume`); one
 * killed before its first checkpoint (step evalEvery) is started again with `--force`, which moves the
 * partial run aside and deletes nothing. So a comparison longer than one sitting continues where it
 * stopped, even on another clone. results.md and results.json are written into --results as well.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  demiCommand as demi, median, pairedDifferences, readLog, recordedCommand, restartFlags, runTimed, seedCell as cell, SPREAD_FACTOR, spreadVerdict,
} from './comparison-runs.mjs';

const { values } = parseArgs({
  options: {
    'data-path': { type: 'string' },
    out: { type: 'string', default: 'runs/compare-vision' },
    results: { type: 'string', default: 'docs/results/compare-vision' },
    seeds: { type: 'string', default: '1,2,3' },
    methods: { type: 'string' },
    steps: { type: 'string' },
    'probe-train-images': { type: 'string', default: '10000' },
    'probe-test-images': { type: 'string', default: '5000' },
    'probe-epochs': { type: 'string', default: '10' },
    config: { type: 'string', default: 'configs/vision-cifar10-jpeg-short.json' },
    'report-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`usage: node scripts/compare-vision.mjs [--data-path FILE] [--seeds 1,2,3] [--out runs/compare-vision]
    [--results docs/results/compare-vision] [--methods infonce,demi] [--steps N] [--config FILE]
    [--probe-train-images 10000] [--probe-test-images 5000] [--probe-epochs 10] [--report-only]`);
  process.exit(0);
}

const METHODS = [
  { name: 'infonce', label: 'InfoNCE (M = 1, two views)' },
  { name: 'demi', label: 'DEMI (M = 2, nested subviews)' },
];
const FEATURES = ['conv', 'y'];
const FEATURE_LABEL = { conv: 'conv', y: 'Y' };
const CLASSIFIERS = ['mlp', 'linear'];
const CLASSIFIER_LABEL = { mlp: 'MLP', linear: 'linear' };

if (values.methods) {
  const unknown = values.methods.split(',').filter((m) => !METHODS.some((v) => v.name === m));
  if (unknown.length > 0) throw new Error(`--methods: unknown ${unknown.join(', ')} (choose from ${METHODS.map((m) => m.name).join(', ')})`);
}
const methods = METHODS.filter((m) => !values.methods || values.methods.split(',').includes(m.name));

// The commands' own output (progress, their JSON reports) goes to stderr; stdout is the table alone.
const run = (args) => runTimed(args, { stdout: 'stderr' });

/** Encoder passes of the batch per training step: one for x, one per subview level (method defaults as model/vision/config.ts). */
function encoderPasses(resolved) {
  const o = resolved.objective ?? {};
  const levels = resolved.method === 'infonce' ? 1 : resolved.method === 'demi' ? (o.subviewScales?.length ?? o.levels ?? 2) : 0;
  return levels + 1;
}

const out = values.out;
const seeds = values.seeds.split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s))) throw new Error(`--seeds: whole numbers separated by commas, got '${values.seeds}'`);
mkdirSync(values.results, { recursive: true });

function runOne(method, seed) {
  const dir = join(out, `${method.name}-s${seed}`);
  const lastDir = join(dir, 'last');
  const restart = restartFlags(dir);
  const resumeFrom = restart.resumedFromStep;
  const trainArgs = demi(['train', 'vision', '--config', values.config, '--method', method.name, '--out', dir,
    '--set', `training.seed=${seed}`,
    ...(values['data-path'] ? ['--data-path', values['data-path']] : []),
    ...(values.steps ? ['--steps', values.steps] : []),
    ...restart.flags]);
  const trainSeconds = run(trainArgs);
  const probePath = join(dir, 'probe.json');
  const probeArgs = demi(['probe', '--model', lastDir,
    ...(values['data-path'] ? ['--data-path', values['data-path']] : []),
    '--train-images', values['probe-train-images'], '--test-images', values['probe-test-images'],
    '--epochs', values['probe-epochs'], '--features', FEATURES.join(','), '--classifier', CLASSIFIERS.join(','), '--out', probePath]);
  const probeSeconds = run(probeArgs);
  const probe = JSON.parse(readFileSync(probePath, 'utf8'));
  const resolved = JSON.parse(readFileSync(join(dir, 'config.resolved.json'), 'utf8'));
  const rows = readLog(join(dir, 'log.jsonl'));
  const vals = rows.filter((r) => r.kind === 'val');
  if (vals.length === 0) throw new Error(`${join(dir, 'log.jsonl')} has no validation entry`);
  const last = vals[vals.length - 1];
  const trainRows = rows.filter((r) => r.kind === 'train');
  return {
    method: method.name,
    label: method.label,
    seed,
    commands: [trainArgs, probeArgs].map((a) => recordedCommand(a, values['data-path'])),
    // Wall seconds of this invocation (data loading and validations included); a resumed run's
    // earlier part is not in it, hence resumedFromStep.
    trainSeconds,
    resumedFromStep: resumeFrom,
    probeSeconds,
    steps: last.step,
    batchSize: resolved.training.batchSize,
    encoderPassesPerStep: encoderPasses(resolved),
    // Source images per second as the trainer logged them (median over the log windows); each is
    // encoded encoderPassesPerStep times.
    imagesPerSecond: median(trainRows.map((r) => r.imgPerSecond).filter(Number.isFinite)),
    validation: {
      step: last.step,
      loss: last.loss,
      miTotal: last.mi_total ?? null,
      miTerms: Object.keys(last).filter((k) => /^mi_\d+$/.test(k)).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3))).map((k) => last[k]),
      quickProbe: last.probe_y ?? null,
    },
    probe: {
      trainImages: probe.trainImages,
      testImages: probe.testImages,
      epochs: probe.epochs,
      seed: probe.seed,
      accuracy: Object.fromEntries(FEATURES.map((f) => [f, Object.fromEntries(CLASSIFIERS.map((c) => [c, probe.accuracy?.[f]?.[c] ?? null]))])),
    },
  };
}

const expectedSteps = Number(values.steps ?? JSON.parse(readFileSync(values.config, 'utf8')).training?.steps);
// Seed-major: every method gets seed 1 before either gets seed 2, so a comparison cut short is balanced.
const results = [];
for (const seed of seeds) {
  for (const method of methods) {
    const summaryPath = join(values.results, `${method.name}-s${seed}.json`);
    if (existsSync(summaryPath)) {
      const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
      if (summary.steps !== expectedSteps) console.error(`warning: ${summaryPath} is a run of ${summary.steps} steps, not ${expectedSteps}; it is kept (delete it to redo the run)`);
      results.push(summary);
      continue;
    }
    if (values['report-only']) continue;
    const summary = runOne(method, seed);
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    results.push(summary);
  }
}

const pct = (x) => (x === null || x === undefined ? null : 100 * x);
const acc = (r, f, c) => pct(r.probe.accuracy[f]?.[c]);

const byMethod = methods.map((m) => ({ method: m, runs: results.filter((r) => r.method === m.name) })).filter((g) => g.runs.length > 0);
const columns = FEATURES.flatMap((f) => CLASSIFIERS.map((c) => ({ f, c, label: `${FEATURE_LABEL[f]} ${CLASSIFIER_LABEL[c]}` })));

// Paired differences DEMI - InfoNCE over the seeds both methods finished.
const pairedSeeds = seeds.filter((s) => results.some((r) => r.method === 'infonce' && r.seed === s) && results.some((r) => r.method === 'demi' && r.seed === s));
const runOf = (name, seed) => results.find((r) => r.method === name && r.seed === seed);
const diffs = (pick) => pairedDifferences(pairedSeeds, (s) => runOf('demi', s), (s) => runOf('infonce', s), pick);

const accuracyTable = [
  `| method | seeds | ${columns.map((c) => c.label).join(' | ')} | validation quick probe (linear on Y) |`,
  `|---|---|${columns.map(() => '---|').join('')}---|`,
  ...byMethod.map(({ method, runs }) => `| ${method.label} | ${runs.map((r) => r.seed).join(', ')} | ${columns.map(({ f, c }) => cell(runs.map((r) => acc(r, f, c)), 1)).join(' | ')} | ${cell(runs.map((r) => pct(r.validation.quickProbe)), 1)} |`),
  ...(pairedSeeds.length > 0 ? [`| DEMI - InfoNCE (paired by seed) | ${pairedSeeds.join(', ')} | ${columns.map(({ f, c }) => cell(diffs((r) => acc(r, f, c)), 1, true)).join(' | ')} | ${cell(diffs((r) => pct(r.validation.quickProbe)), 1, true)} |`] : []),
];

// The rule (comparison-runs.mjs, SPREAD_FACTOR), stated in the output.
function verdicts() {
  if (pairedSeeds.length === 0) return ['No seed has both methods finished, so there is no paired difference yet.'];
  if (pairedSeeds.length < 2) return [`Only ${pairedSeeds.length} seed has both methods finished, so the paired differences have no spread yet and no difference is called larger than it.`];
  const parts = [...columns, { f: 'quick', c: null, label: 'validation quick probe' }].map(({ f, c, label }) => {
    const d = f === 'quick' ? diffs((r) => pct(r.validation.quickProbe)) : diffs((r) => acc(r, f, c));
    const verdict = spreadVerdict(d);
    if (!verdict) return { text: `${label}: fewer than 2 paired seeds`, larger: false };
    const { mean: m, std: s, larger } = verdict;
    return { text: `${label} ${m >= 0 ? '+' : ''}${m.toFixed(1)} vs ${SPREAD_FACTOR} x ${s.toFixed(1)} = ${(SPREAD_FACTOR * s).toFixed(1)}: ${larger ? `larger than its spread (${m > 0 ? 'DEMI' : 'InfoNCE'} ahead)` : 'not larger than its spread'}`, larger };
  });
  const larger = parts.filter((p) => p.larger).length;
  return [`${larger === 0 ? 'None' : larger} of the ${parts.length} DEMI - InfoNCE differences ${larger === 1 ? 'is' : 'are'} larger than ${larger === 1 ? 'its' : 'their'} spread. `
    + `Rule: a difference counts as larger than its spread when |mean| > ${SPREAD_FACTOR} x the sample std of the ${pairedSeeds.length} per-seed paired differences`
    + ' (a rough screen, not a significance test). '
    + `${parts.map((p) => p.text).join('; ')}.`];
}

const costTable = [
  '| method | seeds | steps | encoder passes / step | images / s (median, training) | train wall s (incl. data loading, validation) | final validation MI terms (nats) | final validation MI total (nats) |',
  '|---|---|---|---|---|---|---|---|',
  ...byMethod.map(({ method, runs }) => {
    const nTerms = Math.max(...runs.map((r) => r.validation.miTerms.length));
    const terms = nTerms > 0 ? Array.from({ length: nTerms }, (_, k) => cell(runs.map((r) => r.validation.miTerms[k]), 3)).join(' ; ') : '-';
    // A resumed run's wall time covers only its last part: left out of the mean, and said so.
    const whole = runs.filter((r) => r.resumedFromStep === null || r.resumedFromStep === undefined);
    const wall = `${cell(whole.map((r) => r.trainSeconds), 0)}${whole.length < runs.length ? ` (seeds ${whole.map((r) => r.seed).join(', ') || 'none'}; resumed runs left out)` : ''}`;
    return `| ${method.label} | ${runs.map((r) => r.seed).join(', ')} | ${[...new Set(runs.map((r) => r.steps))].join(', ')} | ${[...new Set(runs.map((r) => r.encoderPassesPerStep))].join(', ')} | ${cell(runs.map((r) => r.imagesPerSecond), 0)} | ${wall} | ${terms} | ${cell(runs.map((r) => r.validation.miTotal), 3)} |`;
  }),
];

const config = JSON.parse(readFileSync(values.config, 'utf8'));
const anyRun = results[0];
const passesOf = (name, p) => (name === 'infonce' ? `InfoNCE ${p} (two views)` : `DEMI ${p} (x and ${p - 1} nested subviews)`);
const passes = byMethod.map(({ method, runs }) => passesOf(method.name, runs[0].encoderPassesPerStep)).join(', ');
const header = anyRun ? [
  `CIFAR-10 JPEG copy, ${values.config}: ${config.encoder.architecture} encoder, batch ${anyRun.batchSize}, ${[...new Set(results.map((r) => r.steps))].join(' / ')} steps per run; only the method differs.`,
  `Equal-steps comparison, not equal compute: each step runs the encoder over the batch once per view, ${passes}.`,
  `Probe (demi probe on each run's last checkpoint): MLP and linear classifiers, ${anyRun.probe.epochs} epochs, on ${anyRun.probe.trainImages} training / ${anyRun.probe.testImages} test images (the same seeded subsets, probe seed ${anyRun.probe.seed}, for every run); top-1 %.`,
  'Seeds as listed (training.seed); mean +- sample std over them; the difference row is over the per-seed differences of seeds both methods finished.',
  '',
] : ['No finished runs yet.', ''];
const body = anyRun ? [...accuracyTable, '', ...verdicts(), '', ...costTable] : [];
const commands = anyRun ? ['', `Commands (as run by scripts/compare-vision.mjs, seed ${results[0].seed}; DATA_PATH is the local copy given as --data-path):`, '', '```', ...results.filter((r) => r.seed === results[0].seed).flatMap((r) => r.commands), '```', ''] : [];
const markdown = [...header, ...body, ...commands].join('\n');
for (const dir of [out, values.results]) {
  if (dir === out && !existsSync(out)) continue;
  writeFileSync(join(dir, 'results.md'), markdown);
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}
console.log([...header, ...body].join('\n'));
