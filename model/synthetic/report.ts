/** Writes the synthetic experiment's table (CSV, JSON, Markdown) and plot (SVG). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../../core/index.js';
import type { ReportFiles, SyntheticResult, SyntheticRow } from './options.js';

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

/** Estimated vs true MI as an SVG (vega-lite compiled to vega, rendered headless). */
export async function renderPlot(rows: SyntheticRow[], logN: number, batch: number): Promise<string> {
  const trueValues = [...new Set(rows.map((r) => r.trueMI))].sort((a, b) => a - b);
  const points = rows.filter((r) => Number.isFinite(r.estimate)).map((r) => ({
    estimator: r.estimator,
    trueMI: r.trueMI,
    estimate: r.estimate,
    low: r.estimate - r.std,
    high: r.estimate + r.std,
  }));
  // the y range follows the estimates and the truth; error bars of unstable estimators (NWJ, JSD's
  // read-out at large MI) can be far wider and are clipped to it
  const maxY = Math.max(...trueValues, ...points.map((p) => p.estimate), logN) * 1.08;
  const minY = Math.min(0, ...points.map((p) => p.estimate)) - 1;
  const title = 'estimated MI (nats)';
  const scale = { domain: [minY, maxY] };
  const y = { field: 'estimate', type: 'quantitative' as const, title, scale };
  const x = { field: 'trueMI', type: 'quantitative' as const, title: 'true MI (nats)' };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Correlated Gaussians: estimated vs true MI',
      subtitle: `batch N = ${batch}; mean ± std of the per-step estimate over the last steps of each stage; dashed: truth`,
    },
    width: 560,
    height: 400,
    layer: [
      {
        data: { values: trueValues.map((v) => ({ trueMI: v, estimate: v })) },
        mark: { type: 'line', color: 'black', strokeDash: [4, 4] },
        encoding: { x, y },
      },
      {
        data: { values: [{ estimate: logN, label: `log N = ${logN.toFixed(2)}` }] },
        layer: [
          { mark: { type: 'rule', color: 'gray', strokeDash: [2, 2] }, encoding: { y: { field: 'estimate', type: 'quantitative', title, scale } } },
          {
            mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: 'gray' },
            encoding: { y: { field: 'estimate', type: 'quantitative', title, scale }, x: { datum: trueValues[0] }, text: { field: 'label' } },
          },
        ],
      },
      {
        data: { values: points },
        layer: [
          {
            mark: { type: 'errorbar', ticks: false, clip: true },
            encoding: { x, y: { field: 'low', type: 'quantitative', title, scale }, y2: { field: 'high' }, color: { field: 'estimator', type: 'nominal' } },
          },
          { mark: { type: 'line', point: true, clip: true }, encoding: { x, y, color: { field: 'estimator', type: 'nominal', title: 'estimator' } } },
        ],
      },
    ],
  };
  return renderSvg(spec);
}

/**
 * The few lines `demi synthetic` prints after the table: where InfoNCE saturates, how far each DEMI
 * variant gets past it at the largest true MI, and the largest excess of any DEMI estimate over the
 * truth in units of its own noise (its per-step std).
 */
export interface SyntheticSummary {
  lines: string[];
  /** demi estimator -> estimate / InfoNCE estimate at the largest true MI. */
  ratioToInfoNCE: Record<string, number>;
  /** demi estimator -> max over MI values of (estimate - truth) / std. */
  maxExcessInStd: Record<string, number>;
}

export function summarize(result: SyntheticResult): SyntheticSummary {
  const { rows } = result;
  const top = Math.max(...rows.map((r) => r.trueMI));
  const at = (est: string, mi: number) => rows.find((r) => r.estimator === est && r.trueMI === mi);
  const lines: string[] = [];
  const ratioToInfoNCE: Record<string, number> = {};
  const maxExcessInStd: Record<string, number> = {};
  const infonce = at('infonce', top);
  const logN = Math.log(result.options.batch);
  if (infonce) lines.push(`infonce at true MI ${top}: ${infonce.estimate.toFixed(2)} nats (log N = ${logN.toFixed(2)})`);
  for (const est of [...new Set(rows.filter((r) => r.terms).map((r) => r.estimator))]) {
    const row = at(est, top);
    if (row) {
      let line = `${est} at true MI ${top}: ${row.estimate.toFixed(2)} nats`;
      if (infonce && infonce.estimate > 0) {
        ratioToInfoNCE[est] = row.estimate / infonce.estimate;
        line += ` = ${ratioToInfoNCE[est].toFixed(2)}x infonce`;
      }
      line += `; terms ${row.terms?.map((t) => t.toFixed(2)).join(' + ')} (true ${row.trueTerms?.map((t) => t.toFixed(2)).join(' + ')})`;
      lines.push(line);
    }
    let worst = -Infinity;
    let worstRow = null;
    for (const r of rows.filter((x) => x.estimator === est && Number.isFinite(x.estimate))) {
      const z = (r.estimate - r.trueMI) / Math.max(r.std, 1e-9);
      if (z > worst) {
        worst = z;
        worstRow = r;
      }
    }
    if (worstRow) {
      maxExcessInStd[est] = worst;
      const excess = worstRow.estimate - worstRow.trueMI;
      lines.push(
        `${est} largest (estimate - truth): ${excess >= 0 ? '+' : ''}${excess.toFixed(2)} nats = ${worst.toFixed(1)} std at true MI ${worstRow.trueMI}` +
          (worst > 2 ? '  <-- above the truth by more than 2 std' : ''),
      );
    }
  }
  return { lines, ratioToInfoNCE, maxExcessInStd };
}
