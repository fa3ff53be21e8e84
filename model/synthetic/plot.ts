/** Estimated vs true MI as an SVG (vega-lite compiled to vega, rendered headless; DESIGN §10). */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../training/plot.js';
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
