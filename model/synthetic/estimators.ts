/**
 * The estimators the synthetic experiment trains, each with its own critic(s) and optimizer. A step
 * evaluates the bound on a fresh batch (so the reported value is an out-of-sample estimate with the
 * current critic), then takes one gradient step maximising the training objective.
 *
 * | name            | trains                          | reports                              |
 * |-----------------|---------------------------------|--------------------------------------|
 * | infonce         | infoNCE(S)                      | infoNCE(S)                           |
 * | nwj             | nwj(S)                          | nwj(S)                               |
 * | dv              | dv(S)                           | dv(S)                                |
 * | mine            | dv with MINE's EMA gradient     | dv(S)                                |
 * | jsd             | jsd(S) (DIM's softplus form)    | jsdMI(S) = nwj(S + 1)                |
 * | demi-M          | demi: infoNCE(S_1) + importance-weighted conditional terms; total and terms |
 * | demi-M-exact    | demi: infoNCE(S_1) + conditional terms with exact negatives x ~ p(x | y(k-1)) |
 *
 * DEMI critics: one separable critic per level, critic_k(x, y(k)) on the subview y(k). The
 * importance log-weights of level k are the cumulative score S_1 + phi_2 + ... + phi_{k-1} (demi.ts).
 */
import { tf } from '../engine/index.js';
import type { SeededRandom } from '../../core/index.js';
import { demi, dv, importanceESS, infoNCE, jsd, jsdMI, MineEMA, nwj, type DemiLevel } from '../bounds/index.js';
import { SeparableCritic, type CriticConfig, createOptimizer, type CriticOptimizer, type OptimizerKind } from './critic.js';
import { SyntheticError } from '../errors.js';
import { subviewSizes, sampleConditionalX, type GaussianBatch, sliceColumns } from './gaussian.js';

export const SINGLE_CRITIC_ESTIMATORS = ['infonce', 'nwj', 'jsd', 'dv', 'mine'] as const;
export const DEFAULT_ESTIMATORS = ['infonce', 'nwj', 'jsd', 'dv', 'demi-2', 'demi-4', 'demi-8', 'demi-4-exact'];

export interface EstimatorSpec {
  /** As given: infonce | nwj | jsd | dv | mine | demi-<M> | demi-<M>-exact. */
  name: string;
  kind: (typeof SINGLE_CRITIC_ESTIMATORS)[number] | 'demi' | 'demi-exact';
  /** Number of subviews (1 for the single-critic bounds). */
  subviews: number;
}

export function parseEstimator(name: string, dim: number): EstimatorSpec {
  const lower = name.trim().toLowerCase();
  if ((SINGLE_CRITIC_ESTIMATORS as readonly string[]).includes(lower)) {
    return { name: lower, kind: lower as EstimatorSpec['kind'], subviews: 1 };
  }
  const m = /^demi-(\d+)(-exact)?$/.exec(lower);
  if (m) {
    const subviews = Number(m[1]);
    if (subviews < 1 || subviews > dim) {
      throw new SyntheticError(`estimator '${name}': M must be between 1 and the dimension ${dim}`);
    }
    return { name: lower, kind: m[2] ? 'demi-exact' : 'demi', subviews };
  }
  throw new SyntheticError(
    `unknown estimator '${name}': choose from ${SINGLE_CRITIC_ESTIMATORS.join(', ')}, demi-<M> (importance-sampled negatives) or demi-<M>-exact (exact conditional negatives), e.g. demi-4`,
  );
}

export interface TrainerConfig {
  dim: number;
  critic: CriticConfig;
  learningRate: number;
  optimizer: OptimizerKind;
  /** Exact-negatives DEMI: negatives per anchor, and how many anchors of the batch get them. */
  exactNegatives: number;
  exactAnchors: number;
}

export interface StepResult {
  /** The reported MI estimate of this step (nats), NaN if it was not finite. */
  estimate: number;
  /** DEMI only: every term. */
  terms?: number[];
  /** Importance-sampled DEMI only: mean effective sample size of each conditional level's weights. */
  ess?: number[];
  /** Whether the reported estimate is finite (e.g. NWJ's exp can overflow at large MI). */
  finite: boolean;
  /** Whether the critics were updated: false when the training objective or a gradient was not finite. */
  updated: boolean;
}

/** A trainable estimator: critics + optimizer + objective. */
export class EstimatorTrainer {
  private readonly critics: SeparableCritic[];
  private readonly sizes: number[];
  private readonly optimizer: CriticOptimizer;
  private readonly variables: Record<string, tf.Variable>;
  private readonly mine: MineEMA | null;

  constructor(readonly spec: EstimatorSpec, private readonly config: TrainerConfig, rng: SeededRandom) {
    this.sizes = subviewSizes(config.dim, spec.subviews);
    this.critics = this.sizes.map((size, k) => new SeparableCritic(`${spec.name}.level${k + 1}`, config.dim, size, config.critic, rng));
    this.variables = Object.assign({}, ...this.critics.map((c) => c.variables()));
    this.optimizer = createOptimizer(config.optimizer, config.learningRate);
    this.mine = spec.kind === 'mine' ? new MineEMA(0.9) : null;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The training objective (maximised) and the reported values [estimate, ...terms, ...ess]. */
  private objective(batch: TrainingBatch): { train: tf.Scalar; report: tf.Tensor1D } {
    const { kind } = this.spec;
    const x = batch.x;
    if (kind !== 'demi' && kind !== 'demi-exact') {
      const s = this.critics[0].scores(x, batch.y(this.config.dim));
      switch (kind) {
        case 'infonce': {
          const v = infoNCE(s);
          return { train: v, report: tf.reshape(v, [1]) };
        }
        case 'nwj': {
          const v = nwj(s);
          return { train: v, report: tf.reshape(v, [1]) };
        }
        case 'dv': {
          const v = dv(s);
          return { train: v, report: tf.reshape(v, [1]) };
        }
        case 'mine': {
          const v = (this.mine as MineEMA).call(s);
          return { train: v, report: tf.reshape(v, [1]) };
        }
        case 'jsd':
          return { train: jsd(s), report: tf.reshape(jsdMI(s), [1]) };
      }
    }
    const levels: DemiLevel[] = [{ scores: this.critics[0].scores(x, batch.y(this.sizes[0])) }];
    const ess: tf.Scalar[] = [];
    let cumulative = (levels[0] as { scores: tf.Tensor2D }).scores;
    for (let k = 1; k < this.sizes.length; k++) {
      const critic = this.critics[k];
      const yk = batch.y(this.sizes[k]);
      if (kind === 'demi') {
        const scores = critic.scores(x, yk);
        levels.push({ scores });
        // diagnostic only (not on the gradient's path): how many in-batch samples the weights use
        ess.push(tf.mean(importanceESS(cumulative)));
        cumulative = tf.add(cumulative, scores);
      } else {
        const anchors = Math.min(this.config.exactAnchors, batch.n);
        const negatives = this.config.exactNegatives;
        const hy = critic.h.apply(tf.slice(yk, [0, 0], [anchors, -1])); // [A, e]
        const gx = critic.g.apply(tf.slice(x, [0, 0], [anchors, -1])); // [A, e]
        const candidates = batch.conditionalX(this.sizes[k - 1], anchors, negatives);
        const gc = tf.reshape(critic.g.apply(candidates), [anchors, negatives, -1]); // [A, K, e]
        levels.push({
          positive: tf.sum(tf.mul(gx, hy), 1) as tf.Tensor1D,
          negatives: tf.sum(tf.mul(gc, tf.expandDims(hy, 1)), 2) as tf.Tensor2D,
        });
      }
    }
    const { total, terms } = demi(levels);
    return { train: total, report: tf.stack([total, ...terms, ...ess]) as tf.Tensor1D };
  }

  step(batch: TrainingBatch): StepResult {
    let report: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const r = this.objective(batch);
      report = tf.keep(r.report);
      return tf.neg(r.train) as tf.Scalar;
    }, Object.values(this.variables));
    const values = (report as unknown as tf.Tensor1D).dataSync();
    const loss = value.dataSync()[0];
    // One overflowing gradient entry would turn Adam's moments (and then the critic) into NaN for
    // good: such a step is skipped, and so is one whose objective is not finite.
    const gradSquares = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const gradsFinite = Number.isFinite(gradSquares.dataSync()[0]);
    gradSquares.dispose();
    const updated = Number.isFinite(loss) && gradsFinite;
    if (updated) this.optimizer.apply(this.variables, grads);
    value.dispose();
    (report as unknown as tf.Tensor1D).dispose();
    tf.dispose(grads);
    const isDemi = this.spec.kind === 'demi' || this.spec.kind === 'demi-exact';
    const m = this.spec.subviews;
    const finite = Number.isFinite(values[0]);
    return {
      estimate: finite ? values[0] : NaN,
      terms: isDemi ? Array.from(values.slice(1, 1 + m)) : undefined,
      ess: this.spec.kind === 'demi' ? Array.from(values.slice(1 + m)) : undefined,
      finite,
      updated,
    };
  }

  dispose(): void {
    for (const c of this.critics) c.dispose();
    this.optimizer.dispose();
    this.mine?.dispose();
  }
}

// ---- batch

/**
 * One training batch of the synthetic experiment, shared by every estimator at a step (common random
 * numbers: the estimators see the same x, y). Subview slices of y and exact conditional negatives are
 * made on first use and freed with the batch.
 */
export class TrainingBatch {
  readonly x: tf.Tensor2D;
  private readonly ySlices = new Map<number, tf.Tensor2D>();
  private readonly conditional = new Map<string, tf.Tensor2D>();

  constructor(readonly data: GaussianBatch, private readonly rng: SeededRandom) {
    this.x = tf.tensor2d(data.x, [data.n, data.dim]);
  }

  get n(): number {
    return this.data.n;
  }

  /** y(k) as a tensor: the first `size` coordinates of y, [n, size]. */
  y(size: number): tf.Tensor2D {
    let t = this.ySlices.get(size);
    if (!t) {
      // kept: first use may happen inside a tidy (a gradient's forward pass); dispose() frees it
      t = tf.keep(tf.tensor2d(sliceColumns(this.data.y, this.data.n, this.data.dim, size), [this.data.n, size]));
      this.ySlices.set(size, t);
    }
    return t;
  }

  /**
   * k samples of x ~ p(x | first `known` coordinates of y_a) for each of the first `anchors` rows:
   * [anchors * k, dim], grouped by anchor. Sampled once per batch for each (known, anchors, k).
   */
  conditionalX(known: number, anchors: number, k: number): tf.Tensor2D {
    const key = `${known}/${anchors}/${k}`;
    let t = this.conditional.get(key);
    if (!t) {
      const { y, dim, rho } = this.data;
      t = tf.keep(tf.tensor2d(sampleConditionalX(this.rng, y, dim, rho, known, anchors, k), [anchors * k, dim]));
      this.conditional.set(key, t);
    }
    return t;
  }

  dispose(): void {
    this.x.dispose();
    for (const t of this.ySlices.values()) t.dispose();
    for (const t of this.conditional.values()) t.dispose();
    this.ySlices.clear();
    this.conditional.clear();
  }
}
