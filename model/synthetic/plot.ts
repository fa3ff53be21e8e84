/** Estimated vs true MI as an SVG (vega-lite compiled to vega, rendered headless; DESIGN §10). */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SyntheticRow } from './experiment.js';

export async function renderPlot(rows: SyntheticRow[], logN: number, batch: number): Promise<string> {
  const trueValues = [...new Set(rows.map((r) => r.trueMI))].sort((a, b) => a - b);
  const points = rows.filter((r) => Number.isFinite(r.estimate)).map((r) => ({
    estimator: r.estimator,
    trueMI: r.trueMI,
    estimate: r.estimate,
    low: r.estimate - r.std,
    high: r.estimate + r.std,
  }));
  const maxY = Math.max(...trueValues, ...points.map((p) => p.high), logN) * 1.05;
  const minY = Math.min(0, ...points.map((p) => p.low));
  const y = { field: 'estimate', type: 'quantitative' as const, title: 'estimated MI (nats)', scale: { domain: [minY, maxY] } };
  const x = { field: 'trueMI', type: 'quantitative' as const, title: 'true MI (nats)' };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Correlated Gaussians: estimated vs true MI (batch ${batch}, mean ± std over the last steps of each stage)`,
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
          { mark: { type: 'rule', color: 'gray', strokeDash: [2, 2] }, encoding: { y: { field: 'estimate', type: 'quantitative' } } },
          {
            mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: 'gray' },
            encoding: { y: { field: 'estimate', type: 'quantitative' }, x: { datum: trueValues[0] }, text: { field: 'label' } },
          },
        ],
      },
      {
        data: { values: points },
        layer: [
          { mark: { type: 'errorbar', ticks: false }, encoding: { x, y: { field: 'low', type: 'quantitative', scale: { domain: [minY, maxY] } }, y2: { field: 'high' }, color: { field: 'estimator', type: 'nominal' } } },
          { mark: { type: 'line', point: true }, encoding: { x, y, color: { field: 'estimator', type: 'nominal', title: 'estimator' } } },
        ],
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
