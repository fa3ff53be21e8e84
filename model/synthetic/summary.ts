/**
 * The few lines `demi synthetic` prints after the table: where InfoNCE saturates, how far each DEMI
 * variant gets past it at the largest true MI, and the largest excess of any DEMI estimate over the
 * truth in units of its own noise (its per-step std).
 */
import type { SyntheticResult } from './experiment.js';

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
