/**
 * The synthetic experiment (issue 3, docs/ARCHITECTURE.md §4): train every estimator on correlated Gaussians along
 * a staircase of true MI values (critics warm-start from one value to the next, as in SMILE's
 * benchmark) and report, per (estimator, true MI), the mean estimate over the last part of each
 * stage, next to the truth, log N and each DEMI term.
 */
import { backendInfo, selectBackend, tf } from '../engine/index.js';
import { SeededRandom, ProgressLine, describeIssues } from '../../core/index.js';
import { SyntheticError } from '../errors.js';
import { EstimatorTrainer, parseEstimator, TrainingBatch, type EstimatorSpec } from './estimators.js';
import { miToRho, sampleCorrelatedGaussian, trueTerms } from './gaussian.js';
import { writeReports } from './report.js';
import { SyntheticOptionsSchema, type SyntheticOptions, type ResolvedSyntheticOptions, type SyntheticResult, type SyntheticRow } from './options.js';

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) * (b - m), 0) / (values.length - 1));
}

function capOf(spec: EstimatorSpec, n: number, exactNegatives: number): number | null {
  if (spec.kind === 'infonce') return Math.log(n);
  if (spec.kind === 'demi') return spec.subviews * Math.log(n);
  if (spec.kind === 'demi-exact') return Math.log(n) + (spec.subviews - 1) * Math.log(exactNegatives + 1);
  return null;
}

export async function runSyntheticExperiment(input: SyntheticOptions = {}): Promise<SyntheticResult> {
  const parsed = SyntheticOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SyntheticError(`invalid synthetic experiment options: ${describeIssues(parsed.error.issues, '', 20)}`);
  }
  const options = parsed.data;
  const exactNegatives = options.exactNegatives ?? options.batch - 1;
  const specs = options.estimators.map((name) => parseEstimator(name, options.dim));
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new SyntheticError(`estimator '${s.name}' is listed twice`);
    seen.add(s.name);
  }
  await selectBackend();
  const backend = backendInfo()?.name ?? tf.getBackend();

  const root = new SeededRandom(options.seed);
  const dataRng = root.fork();
  const trainers = specs.map(
    (spec) =>
      new EstimatorTrainer(spec, {
        dim: options.dim,
        critic: { hidden: options.hidden, layers: options.layers, embed: options.embed },
        learningRate: options.learningRate,
        optimizer: options.optimizer,
        exactNegatives,
        exactAnchors: options.exactAnchors,
      }, root.fork()),
  );

  const rows: SyntheticRow[] = [];
  const busyMs = new Map<string, number>(specs.map((s) => [s.name, 0]));
  const logN = Math.log(options.batch);
  const totalSteps = options.miValues.length * options.steps + options.warmupSteps;
  const progress = new ProgressLine(options.progress, totalSteps, 'synthetic');
  let done = 0;
  const started = performance.now();
  try {
    for (let stage = 0; stage < options.miValues.length; stage++) {
      const trueMI = options.miValues[stage];
      const rho = miToRho(trueMI, options.dim);
      const values = specs.map(() => [] as number[]);
      const termValues = specs.map(() => [] as number[][]);
      const essValues = specs.map(() => [] as number[][]);
      const nonFinite = specs.map(() => 0);
      const skipped = specs.map(() => 0);
      const stageSteps = options.steps + (stage === 0 ? options.warmupSteps : 0);
      const evalFrom = stageSteps - Math.max(1, Math.round(options.steps * options.evalFraction));
      for (let step = 0; step < stageSteps; step++) {
        const batch = new TrainingBatch(sampleCorrelatedGaussian(dataRng, options.batch, options.dim, rho), dataRng);
        try {
          trainers.forEach((trainer, e) => {
            const t0 = performance.now();
            const r = trainer.step(batch);
            busyMs.set(trainer.name, (busyMs.get(trainer.name) ?? 0) + performance.now() - t0);
            if (!r.updated) skipped[e] += 1;
            if (step < evalFrom) return;
            if (!r.finite) {
              nonFinite[e] += 1;
              return;
            }
            values[e].push(r.estimate);
            if (r.terms) termValues[e].push(r.terms);
            if (r.ess) essValues[e].push(r.ess);
          });
        } finally {
          batch.dispose();
        }
        progress.update(++done, () => {
          const latest = specs.map((s, e) => `${s.name} ${values[e].length ? mean(values[e].slice(-20)).toFixed(2) : '-'}`);
          return `MI ${trueMI} (${stage + 1}/${options.miValues.length}) step ${step + 1}/${stageSteps} | ${latest.join('  ')}`;
        });
      }
      specs.forEach((spec, e) => {
        const v = values[e];
        const row: SyntheticRow = {
          estimator: spec.name,
          subviews: spec.subviews,
          trueMI,
          estimate: v.length ? mean(v) : NaN,
          std: std(v),
          stderr: v.length ? std(v) / Math.sqrt(v.length) : NaN,
          evalSteps: v.length,
          nonFinite: nonFinite[e],
          skippedUpdates: skipped[e],
          logN,
          cap: capOf(spec, options.batch, exactNegatives),
        };
        if (spec.kind === 'demi' || spec.kind === 'demi-exact') {
          const t = termValues[e];
          row.terms = t.length ? t[0].map((_, k) => mean(t.map((r) => r[k]))) : [];
          row.trueTerms = trueTerms(options.dim, spec.subviews, rho);
        }
        if (spec.kind === 'demi' && essValues[e].length && essValues[e][0].length) {
          const t = essValues[e];
          row.ess = t[0].map((_, k) => mean(t.map((r) => r[k])));
        }
        rows.push(row);
      });
    }
  } finally {
    progress.done();
    for (const t of trainers) t.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const msPerStep = Object.fromEntries([...busyMs].map(([name, ms]) => [name, ms / totalSteps]));
  const result: SyntheticResult = { options, backend, rows, seconds, msPerStep };
  if (options.out) result.files = await writeReports(options.out, result);
  return result;
}
