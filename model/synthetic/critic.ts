/**
 * Separable critics as in the SMILE benchmark (`utils.py` SeparableCritic; docs/ARCHITECTURE.md §4):
 *   critic(x, y) = g(x)^T h(y),  g, h = MLP in -> hidden (ReLU) -> [hidden (ReLU)] x layers -> embed,
 * default 20 -> 256 -> 256 -> 256 -> 32 (layers = 2). Weights and biases start at PyTorch's nn.Linear
 * default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from the seeded generator.
 * Score matrix: S = h(Y) g(X)^T, S[i][j] = critic(x_j, y_i), positives on the diagonal.
 */
import { tf, AdamW } from '../engine/index.js';
import type { SeededRandom } from '../../core/index.js';

export interface CriticConfig {
  hidden: number;
  /** Extra hidden layers after the first (SMILE's `layers`). */
  layers: number;
  embed: number;
}

/** A trainable variable holding `init`'s values; `init` itself is freed (tf.variable does not take it over). */
function variable(init: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(init, true, name);
  init.dispose();
  return v;
}

/** TF.js variable names are global to the engine; a per-process counter keeps two runs apart. */
let instances = 0;

export class Mlp {
  readonly name: string;
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];

  constructor(name: string, inputDim: number, config: CriticConfig, rng: SeededRandom) {
    this.name = `${name}#${instances++}`;
    const sizes = [inputDim, ...Array<number>(config.layers + 1).fill(config.hidden), config.embed];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const bound = 1 / Math.sqrt(sizes[l]);
      this.weights.push(variable(tf.tensor2d(rng.uniformArray(sizes[l] * sizes[l + 1], -bound, bound), [sizes[l], sizes[l + 1]]), `${this.name}.${l}.weight`));
      this.biases.push(variable(tf.tensor1d(rng.uniformArray(sizes[l + 1], -bound, bound)), `${this.name}.${l}.bias`));
    }
  }

  apply(input: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = input;
      const last = this.weights.length - 1;
      for (let l = 0; l <= last; l++) {
        h = tf.fused.matMul({ a: h, b: this.weights[l] as tf.Tensor2D, bias: this.biases[l], activation: l < last ? 'relu' : 'linear' }) as tf.Tensor2D;
      }
      return h;
    });
  }

  variables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    this.weights.forEach((w, l) => {
      out[`${this.name}.${l}.weight`] = w;
      out[`${this.name}.${l}.bias`] = this.biases[l];
    });
    return out;
  }

  dispose(): void {
    for (const v of [...this.weights, ...this.biases]) v.dispose();
  }
}

export class SeparableCritic {
  readonly g: Mlp;
  readonly h: Mlp;

  constructor(readonly name: string, xDim: number, yDim: number, config: CriticConfig, rng: SeededRandom) {
    this.g = new Mlp(`${name}.g`, xDim, config, rng);
    this.h = new Mlp(`${name}.h`, yDim, config, rng);
  }

  /** S[i][j] = g(x_j)^T h(y_i). */
  scores(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(this.h.apply(y), this.g.apply(x), false, true));
  }

  variables(): Record<string, tf.Variable> {
    return { ...this.g.variables(), ...this.h.variables() };
  }

  dispose(): void {
    this.g.dispose();
    this.h.dispose();
  }
}

// ---- optimizer

/**
 * The one place the synthetic experiment builds its optimizer (so it can be swapped). Default: the
 * engine's AdamW with weight decay 0, which is exactly Adam (one fused kernel per variable where the
 * native kernels are loaded); 'tfjs-adam' is TF.js's own tf.train.adam, for comparison.
 */
export type OptimizerKind = 'adam' | 'tfjs-adam';

export interface CriticOptimizer {
  apply(variables: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void;
  dispose(): void;
}

export function createOptimizer(kind: OptimizerKind, learningRate: number): CriticOptimizer {
  if (kind === 'tfjs-adam') {
    const adam = tf.train.adam(learningRate);
    return {
      apply: (_variables, grads) => adam.applyGradients(grads as Record<string, tf.Variable>),
      dispose: () => adam.dispose(),
    };
  }
  const adamw = new AdamW({ learningRate, weightDecay: 0 });
  return {
    apply: (variables, grads) => adamw.apply(variables, grads),
    dispose: () => adamw.dispose(),
  };
}
