/**
 * The project's fused ops: GELU, dropout, LayerNorm, causal softmax and sparse cross-entropy, each with its
 * gradient. Where the native kernels are registered (model/engine/native) one fused kernel does the
 * work; elsewhere the op is composed from TF.js ops, with the same values.
 */
import { tf } from './tf.js';

/** Kernel names of the fused ops (registered natively; composed from TF.js ops elsewhere). */
export const SPARSE_CE = 'DemiSparseSoftmaxCE';
export const SPARSE_CE_GRAD = 'DemiSparseSoftmaxCEGrad';
export const GELU = 'DemiGelu';
export const GELU_GRAD = 'DemiGeluGrad';
export const DROPOUT = 'DemiDropout';
export const LAYER_NORM = 'DemiLayerNorm';
export const LAYER_NORM_GRAD = 'DemiLayerNormGrad';
export const CAUSAL_SOFTMAX = 'DemiCausalSoftmax';
export const SOFTMAX_GRAD = 'DemiSoftmaxGrad';
export const ADAMW = 'DemiAdamW';

/** Whether the active backend has a (native) kernel for this fused op. */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

export function runKernel<T extends tf.Tensor | tf.Tensor[]>(kernelName: string, inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number | string | boolean> = {}): T {
  return tf.engine().runKernel(kernelName, inputs as never, attrs as never) as unknown as T;
}

// ---- gelu

/** GELU, tanh approximation (GPT-2's), with a fused native kernel for value and gradient. */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluComposed(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

const geluNative = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: runKernel<tf.Tensor>(GELU, { x: x as tf.Tensor }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runKernel<tf.Tensor>(GELU_GRAD, { x: saved[0], dy }),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function gelu<T extends tf.Tensor>(x: T): T {
  return (hasKernel(GELU) ? geluNative(x) : geluComposed(x)) as T;
}

// ---- dropout

/**
 * Which elements inverted dropout keeps: element i when a 32-bit hash of (seed, i) (lowbias32 applied
 * twice, as the native kernel does) is at least `rate`, read as a 24-bit fraction. A counter-based mask
 * needs no random stream, is the same on any thread count, and can be recomputed for the gradient.
 */
export function dropoutKeeps(n: number, rate: number, seed: number): Uint8Array {
  const mix = (value: number) => {
    let h = value;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    return h >>> 0;
  };
  const keeps = new Uint8Array(n);
  const s = seed >>> 0;
  for (let i = 0; i < n; i++) keeps[i] = (mix(mix(i) ^ s) >>> 8) * 2 ** -24 >= rate ? 1 : 0;
  return keeps;
}

function dropoutComposed(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const scale = Math.fround(1 / (1 - rate));
  const keeps = dropoutKeeps(x.size, rate, seed);
  const factors = new Float32Array(x.size);
  for (let i = 0; i < factors.length; i++) factors[i] = keeps[i] ? scale : 0;
  return tf.tidy(() => tf.mul(x, tf.tensor(factors, x.shape, 'float32')));
}

/**
 * Inverted dropout (kept elements scaled by 1 / (1 - rate)) with the mask `dropoutKeeps` gives for
 * `seed` (a uint32; one per call, e.g. SeededRandom.opSeed()). Natively one pass, and its gradient the
 * same kernel on dy; composed, a multiply by the same mask. rate 0 returns x.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  if (!hasKernel(DROPOUT)) return dropoutComposed(x, rate, seed) as T;
  const attrs = { rate, seed: seed >>> 0 };
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: runKernel<tf.Tensor>(DROPOUT, { x: input }, attrs),
    gradFunc: (dy: tf.Tensor) => runKernel<tf.Tensor>(DROPOUT, { x: dy }, attrs),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

// ---- layer-norm

/** LayerNorm over the last axis, y = (x - mean) / sqrt(var + eps) * gamma + beta, fused natively. */

function layerNormComposed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

const nativeByEpsilon = new Map<number, (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

function layerNormNative(epsilon: number) {
  let fn = nativeByEpsilon.get(epsilon);
  if (!fn) {
    fn = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x, gamma]);
      return {
        value: runKernel<tf.Tensor>(LAYER_NORM, { x, gamma, beta }, { epsilon }),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runKernel<tf.Tensor[]>(LAYER_NORM_GRAD, { dy, x: saved[0], gamma: saved[1] }, { epsilon }),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    nativeByEpsilon.set(epsilon, fn);
  }
  return fn;
}

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return hasKernel(LAYER_NORM) ? layerNormNative(epsilon)(x, gamma, beta) : layerNormComposed(x, gamma, beta, epsilon);
}

// ---- causal-softmax

/**
 * softmax(scale * scores) over the last axis with a causal mask: query i (of the last Tq positions)
 * sees keys j <= i + (Tk - Tq), which is also right when a KV cache supplies the earlier keys.
 * Masked keys get probability exactly 0.
 */

function causalMask(tq: number, tk: number): tf.Tensor2D {
  const offset = tk - tq;
  const bias = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = i + offset + 1; j < tk; j++) bias[i * tk + j] = -1e30;
  return tf.tensor2d(bias, [tq, tk]);
}

function causalSoftmaxComposed(scores: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const [tq, tk] = scores.shape.slice(-2);
    return tf.softmax(tf.add(tf.mul(scores, scale), causalMask(tq, tk)));
  });
}

const nativeByScale = new Map<number, (x: tf.Tensor) => tf.Tensor>();

function causalSoftmaxNative(scale: number) {
  let fn = nativeByScale.get(scale);
  if (!fn) {
    fn = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = runKernel<tf.Tensor>(CAUSAL_SOFTMAX, { x }, { scale });
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runKernel<tf.Tensor>(SOFTMAX_GRAD, { y: saved[0], dy }, { scale }),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
    nativeByScale.set(scale, fn);
  }
  return fn;
}

export function causalSoftmax(scores: tf.Tensor, scale = 1): tf.Tensor {
  return hasKernel(CAUSAL_SOFTMAX) ? causalSoftmaxNative(scale)(scores) : causalSoftmaxComposed(scores, scale);
}

// ---- sparse-cross-entropy

/**
 * Per-position softmax cross-entropy against integer labels, without a one-hot matrix (at vocab
 * 30000 and 2048 positions a one-hot loss needs several GB of temporaries). Labels < 0 are
 * ignored: their loss and gradient are 0, which is how the LM loss skips context tokens.
 */

function composed(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const vocab = logits.shape[logits.shape.length - 1];
    // tf.oneHot gives an all-zero row for an out-of-range label, so ignored positions contribute 0.
    const targets = tf.reshape(tf.oneHot(tf.reshape(labels, [-1]), vocab), logits.shape);
    return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1));
  });
}

const nativeCE = tf.customGrad(((logits: tf.Tensor, labels: tf.Tensor, save: tf.GradSaveFunc) => {
  save([logits, labels]);
  return {
    value: runKernel<tf.Tensor>(SPARSE_CE, { logits, labels }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      runKernel<tf.Tensor>(SPARSE_CE_GRAD, { logits: saved[0], labels: saved[1], dy }),
      tf.zerosLike(saved[1]),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor;

/** logits [..., V] float32, labels [...] int32 -> loss [...] (nats). */
export function sparseSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  if (labels.dtype !== 'int32') throw new Error(`sparseSoftmaxCrossEntropy: labels must be int32, got ${labels.dtype}`);
  if (logits.shape.slice(0, -1).join() !== labels.shape.join()) {
    throw new Error(`sparseSoftmaxCrossEntropy: logits ${logits.shape} do not match labels ${labels.shape}`);
  }
  return hasKernel(SPARSE_CE) ? nativeCE(logits, labels) : composed(logits, labels);
}
