/**
 * Training curves as SVG (vega-lite rendered headless by vega): one panel per logged quantity
 * (loss, perplexity, each MI term), train and validation as separate lines.
 */
import { writeFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import type { LogRecord } from './jsonl-log.js';

const SKIP = new Set(['step', 'kind', 'lr', 'gradNorm']);

/** vega and vega-lite load on first use: importing them costs ~0.6 s that servers and loaders never need. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // One after the other: jest's ESM loader fails on concurrent imports that share dependencies.
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function trainingCurveSpec(records: LogRecord[]): TopLevelSpec {
  const rows: { step: number; split: string; metric: string; value: number }[] = [];
  for (const r of records) {
    if (r.kind !== 'train' && r.kind !== 'val') continue;
    for (const [metric, value] of Object.entries(r)) {
      if (SKIP.has(metric) || metric.endsWith('PerSecond') || typeof value !== 'number' || !Number.isFinite(value)) continue;
      rows.push({ step: r.step, split: r.kind === 'val' ? 'validation' : 'train', metric, value });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    facet: { field: 'metric', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 260, height: 160,
      mark: { type: 'line', point: { size: 12 } },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y: { field: 'value', type: 'quantitative', scale: { zero: false } },
        color: { field: 'split', type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

export async function writeTrainingPlot(records: LogRecord[], path: string): Promise<void> {
  writeFileSync(path, await renderSvg(trainingCurveSpec(records)));
}
