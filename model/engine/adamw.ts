/**
 * AdamW (Adam with decoupled weight decay, Loshchilov & Hutter 2019), one fused native kernel per
 * variable where available (TF.js's own Adam issues ~12 kernels per variable per step).
 * The state (step and moments) is exposed as plain arrays for checkpoints, so resuming is exact.
 */
import { tf } from './tf.js';
import { ADAMW, hasKernel, runKernel } from './fused-ops.js';
import { CheckpointError } from '../errors.js';

export interface AdamWConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** Which variables decay (default: all of rank >= 2, i.e. not biases or norm gains). */
  decays?: (name: string, variable: tf.Variable) => boolean;
}

export interface AdamWState {
  step: number;
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  learningRate: number;
  step = 0;
  private readonly decays: (name: string, variable: tf.Variable) => boolean;
  private moments = new Map<string, { m: tf.Tensor; v: tf.Tensor }>();

  constructor(config: AdamWConfig) {
    this.learningRate = config.learningRate;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    this.weightDecay = config.weightDecay ?? 0;
    this.decays = config.decays ?? ((_, v) => v.rank >= 2);
  }

  /**
   * One update of every variable that has a gradient. Gradients may be keyed by our names or by
   * the TF.js variable names that tf.variableGrads uses. The gradients are not disposed.
   */
  apply(variables: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, learningRate = this.learningRate): void {
    this.step += 1;
    const native = hasKernel(ADAMW);
    for (const [name, variable] of Object.entries(variables)) {
      const grad = grads[name] ?? grads[variable.name];
      if (!grad) continue;
      let state = this.moments.get(name);
      if (!state) {
        state = { m: tf.keep(tf.zerosLike(variable)), v: tf.keep(tf.zerosLike(variable)) };
        this.moments.set(name, state);
      }
      const weightDecay = this.decays(name, variable) ? this.weightDecay : 0;
      const [param, m, v] = native
        ? runKernel<tf.Tensor[]>(ADAMW, { param: variable, grad, m: state.m, v: state.v }, {
          learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay, step: this.step,
        })
        : this.composedUpdate(variable, grad, state.m, state.v, learningRate, weightDecay);
      variable.assign(param);
      param.dispose();
      state.m.dispose();
      state.v.dispose();
      state.m = tf.keep(m);
      state.v = tf.keep(v);
    }
  }

  private composedUpdate(p: tf.Tensor, g: tf.Tensor, m0: tf.Tensor, v0: tf.Tensor, lr: number, wd: number): tf.Tensor[] {
    return tf.tidy(() => {
      const m = tf.add(tf.mul(m0, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(v0, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const c1 = 1 - this.beta1 ** this.step;
      const c2 = 1 - this.beta2 ** this.step;
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(c2)), this.epsilon);
      const param = tf.sub(tf.mul(p, 1 - lr * wd), tf.mul(tf.div(m, denom), lr / c1));
      return [param, m, v];
    });
  }

  getState(): AdamWState {
    const moments: AdamWState['moments'] = {};
    // copies: the native update writes the moments in place, and a backend may hand out its own buffer
    for (const [name, { m, v }] of this.moments) moments[name] = { m: Float32Array.from(m.dataSync()), v: Float32Array.from(v.dataSync()) };
    return { step: this.step, moments };
  }

  setState(state: AdamWState, variables: Record<string, tf.Variable>): void {
    this.dispose();
    this.step = state.step;
    for (const [name, { m, v }] of Object.entries(state.moments)) {
      const variable = variables[name];
      if (!variable) throw new CheckpointError(`optimizer state names a variable '${name}' the model does not have`, { hint: 'resume with the config the run was started with' });
      if (m.length !== variable.size || v.length !== variable.size) {
        throw new CheckpointError(`optimizer moments of '${name}' have ${m.length} values, the variable ${variable.size}`, { hint: 'resume with the config the run was started with' });
      }
      // copies, so the in-place update never writes into the caller's arrays
      this.moments.set(name, { m: tf.keep(tf.tensor(Float32Array.from(m), variable.shape)), v: tf.keep(tf.tensor(Float32Array.from(v), variable.shape)) });
    }
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
}

/** Scales gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: number } {
  if (Object.keys(grads).length === 0) return { grads, norm: 0 };
  const squared = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt(squared.dataSync()[0]);
  squared.dispose();
  if (!(maxNorm > 0) || !(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  const clipped: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) {
    clipped[name] = tf.mul(g, scale);
    g.dispose();
  }
  return { grads: clipped, norm };
}
