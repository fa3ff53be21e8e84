/** Writes the synthetic experiment's table (CSV, JSON, Markdown) and plot (SVG). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyntheticResult, SyntheticRow } from './experiment.js';
import { renderPlot } from './plot.js';

export interface ReportFiles {
  csv: string;
  json: string;
  markdown: string;
  svg: string;
}

const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '' : v.toFixed(digits));

export function toCsv(rows: SyntheticRow[]): string {
  const header = ['estimator', 'subviews', 'true_mi', 'estimate', 'std', 'stderr', 'eval_steps', 'non_finite', 'skipped_updates', 'log_n', 'cap', 'terms', 'true_terms', 'ess'];
  const lines = rows.map((r) =>
    [
      r.estimator, r.subviews, fmt(r.trueMI, 4), fmt(r.estimate, 4), fmt(r.std, 4), fmt(r.stderr, 4), r.evalSteps, r.nonFinite, r.skippedUpdates,
      fmt(r.logN, 4), fmt(r.cap, 4), (r.terms ?? []).map((t) => fmt(t, 4)).join(';'), (r.trueTerms ?? []).map((t) => fmt(t, 4)).join(';'),
      (r.ess ?? []).map((t) => fmt(t, 2)).join(';'),
    ].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** One row per true MI, one column per estimator: "estimate ± std". */
export function toMarkdown(result: SyntheticResult): string {
  const { rows, options } = result;
  const estimators = [...new Set(rows.map((r) => r.estimator))];
  const mis = [...new Set(rows.map((r) => r.trueMI))];
  const cell = (mi: number, est: string) => {
    const r = rows.find((x) => x.trueMI === mi && x.estimator === est);
    if (!r || !Number.isFinite(r.estimate)) return 'n/a';
    return `${r.estimate.toFixed(2)} ± ${r.std.toFixed(2)}${r.nonFinite ? ` (${r.nonFinite} non-finite)` : ''}`;
  };
  const lines = [
    `| true MI | ${estimators.join(' | ')} |`,
    `|---|${estimators.map(() => '---').join('|')}|`,
    ...mis.map((mi) => `| ${mi} | ${estimators.map((e) => cell(mi, e)).join(' | ')} |`),
  ];
  const exactK = options.exactNegatives ?? options.batch - 1;
  // DEMI's terms (and, for importance-sampled negatives, the weights' effective sample size) at the
  // middle and the top of the staircase
  const sorted = [...mis].sort((a, b) => a - b);
  const shown = [...new Set([sorted[Math.floor((sorted.length - 1) / 2)], sorted[sorted.length - 1]])];
  const demiRows = rows.filter((r) => r.terms && shown.includes(r.trueMI));
  const list = (v: number[] | undefined, d = 2) => (v && v.length ? v.map((x) => x.toFixed(d)).join(' + ') : '');
  const termLines = demiRows.length
    ? [
      '',
      `DEMI terms: I(x; y(1)) + I(x; y(2) | y(1)) + ... (ESS: mean effective sample size of each conditional level's importance weights, 1 = collapsed)`,
      '',
      '| estimator | true MI | estimate | terms | true terms | ESS |',
      '|---|---|---|---|---|---|',
      ...demiRows.map((r) => `| ${r.estimator} | ${r.trueMI} | ${Number.isFinite(r.estimate) ? r.estimate.toFixed(2) : 'n/a'} | ${list(r.terms)} | ${list(r.trueTerms)} | ${r.ess ? r.ess.map((x) => x.toFixed(1)).join(', ') : '(exact negatives)'} |`),
    ]
    : [];
  return [
    `Estimated MI (nats; mean ± std of the per-step estimate over the last ${Math.round(options.evalFraction * 100)}% of each stage)`,
    `on correlated Gaussians, d = ${options.dim}, batch N = ${options.batch} (log N = ${Math.log(options.batch).toFixed(2)}),`,
    `${options.steps} steps per MI value (+${options.warmupSteps} warm-up steps at the first), separable critics ${options.dim}-${Array(options.layers + 1).fill(options.hidden).join('-')}-${options.embed},`,
    `Adam lr ${options.learningRate}, seed ${options.seed}; exact negatives: K = ${exactK} for ${options.exactAnchors} anchors per batch.`,
    `Backend ${result.backend}; ${result.seconds.toFixed(0)} s in all.`,
    '',
    ...lines,
    ...termLines,
    '',
  ].join('\n');
}

export async function writeReports(dir: string, result: SyntheticResult): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    csv: join(dir, 'synthetic.csv'),
    json: join(dir, 'synthetic.json'),
    markdown: join(dir, 'synthetic.md'),
    svg: join(dir, 'synthetic.svg'),
  };
  const logN = Math.log(result.options.batch);
  await writeFile(files.csv, toCsv(result.rows));
  await writeFile(files.markdown, toMarkdown(result));
  await writeFile(files.svg, await renderPlot(result.rows, logN, result.options.batch));
  const { files: _ignored, ...rest } = result;
  await writeFile(files.json, JSON.stringify({ ...rest, files }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return files;
}
