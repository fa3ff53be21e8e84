/**
 * The DEMI critic's projections (docs/ARCHITECTURE.md §5): f(x) = W_f h_x and g(y(k)) = W_g h_y(k), both
 * L2-normalised, scored as <f, g> / tau. Normalised projections keep the scores in [-1/tau, 1/tau],
 * so tau alone sets how sharp the critic can be and the LM's hidden states cannot blow it up.
 */
import { tf } from '../engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { CheckpointError } from '../errors.js';

export const F_PROJECTION = 'demi.f_proj.weight';
export const G_PROJECTION = 'demi.g_proj.weight';

/**
 * With `objective.perLevelHeads`, the response prefix y(k), k < M, has its own projection g_k; the whole
 * response keeps G_PROJECTION, so rerank and checkpoints without per-level heads read it alike.
 */
export function levelProjection(level: number): string {
  return `demi.g_proj.level${level}.weight`;
}

/** The critic's tensor names for `levels` g heads (1 = one g shared by every prefix). */
export function criticProjections(levels: number): string[] {
  return [F_PROJECTION, G_PROJECTION, ...Array.from({ length: Math.max(levels - 1, 0) }, (_, k) => levelProjection(k + 1))];
}

export class DemiHeads {
  readonly variables: Record<string, tf.Variable>;
  /** Number of g projections: 1 (shared) or M (one per prefix, the last being the whole response's). */
  readonly gLevels: number;

  constructor(dModel: number, projectionDim: number, init: SeededRandom | Map<string, Float32Array>, gLevels = 1) {
    this.variables = {};
    this.gLevels = gLevels;
    for (const name of criticProjections(gLevels)) {
      const size = dModel * projectionDim;
      const values = init instanceof Map ? init.get(name) : init.normalArray(size, 1 / Math.sqrt(dModel));
      if (!values || values.length !== size) throw new CheckpointError(`DEMI heads: '${name}' missing or not [${dModel}, ${projectionDim}]`, { hint: 'the checkpoint was written for another objective.projectionDim or model size' });
      const t = tf.tensor(values, [dModel, projectionDim]);
      this.variables[name] = tf.variable(t, true);
      t.dispose();
    }
  }

  private project(h: tf.Tensor2D, name: string): tf.Tensor2D {
    return tf.tidy(() => {
      const z = tf.matMul(h, this.variables[name] as tf.Tensor2D);
      return tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-8))) as tf.Tensor2D;
    });
  }

  f(h: tf.Tensor2D): tf.Tensor2D {
    return this.project(h, F_PROJECTION);
  }

  /** g of a response prefix: level k's own projection with per-level heads (k < M), else the shared one. */
  g(h: tf.Tensor2D, level?: number): tf.Tensor2D {
    const own = level !== undefined && level < this.gLevels ? levelProjection(level) : G_PROJECTION;
    return this.project(h, own);
  }

  /** S[i][j] = <f(x_j), g(y_i)> / tau: responses on rows, contexts on columns, positives on the diagonal. */
  static scores(fx: tf.Tensor2D, gy: tf.Tensor2D, tau: number): tf.Tensor2D {
    return tf.tidy(() => tf.div(tf.matMul(gy, fx, false, true), tau) as tf.Tensor2D);
  }

  dispose(): void {
    for (const v of Object.values(this.variables)) v.dispose();
  }
}
