/**
 * Loads the project's N-API addon (model/engine/native/kernels.cc, built by scripts/build-native.mjs).
 *
 * Debian's OpenBLAS 0.3.21 does not recognise these CPUs and falls back to its SSE3 'Prescott' kernels
 * (~25 GFLOP/s instead of ~140). OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, so
 * the right core type has to be in the environment before the addon is required. A value the user
 * already set is never overridden.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BackendError } from '../../errors.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  gemm(batch: number, m: number, n: number, k: number, transA: number, transB: number,
    a: Float32Array, strideA: number, b: Float32Array, strideB: number, c: Float32Array, alpha: number, beta: number): void;
  biasActivation(c: Float32Array, rows: number, cols: number, bias: Float32Array | null, activation: number, alpha: number): void;
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, dims: Int32Array): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, dims: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, dims: Int32Array): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, dims: Int32Array): void;
  copyBlocks(src: Float32Array, srcStart: number, srcStride: number, dst: Float32Array, dstStart: number, dstStride: number,
    count: number, length: number): void;
  segmentSum(data: Float32Array, ids: Int32Array, out: Float32Array, rowSize: number): void;
  sparseSoftmaxCE(logits: Float32Array, labels: Int32Array, loss: Float32Array, rows: number, vocab: number): void;
  sparseSoftmaxCEGrad(logits: Float32Array, labels: Int32Array, dloss: Float32Array, dlogits: Float32Array, rows: number, vocab: number): void;
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  causalSoftmax(x: Float32Array, y: Float32Array, matrices: number, rowsQ: number, colsK: number, scale: number): void;
  softmaxGrad(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, scale: number): void;
  gelu(x: Float32Array, y: Float32Array): void;
  dropout(x: Float32Array, y: Float32Array, rate: number, seed: number): void;
  geluGrad(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  layerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, rows: number, cols: number, eps: number): void;
  layerNormGrad(dy: Float32Array, x: Float32Array, gamma: Float32Array, dx: Float32Array, dgamma: Float32Array,
    dbeta: Float32Array, rows: number, cols: number, eps: number): void;
  binary(op: number, x: Float32Array, layoutX: number, y: Float32Array, layoutY: number, out: Float32Array, rows: number, cols: number): void;
  unary(op: number, x: Float32Array, y: Float32Array): void;
  sum(x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number): void;
  adamw(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, step: number): void;
  sumSquares(x: Float32Array): number;
  blasInfo(): { coreName: string; threads: number };
  setBlasThreads(n: number): void;
  /** The im2col column buffer's limit in floats (64 MiB by default); returns the previous limit. */
  setConvColumnFloats(n: number): number;
}

export interface AddonLoad {
  addon: NativeAddon | null;
  /** Why the addon is missing, when it is. */
  reason?: string;
  /** OPENBLAS_CORETYPE as set for this process, and whether we chose it. */
  coreType?: string;
  coreTypeChosenByUs: boolean;
}

const addonPath = join(dirname(fileURLToPath(import.meta.url)), 'build', 'Release', 'demi_native.node');

/** The OpenBLAS core type matching this CPU's vector units, from /proc/cpuinfo. */
export function detectCoreType(cpuinfo: string): string | undefined {
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  if (flags.has('avx512f') && flags.has('avx512bw') && flags.has('avx512vl')) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}

let cached: AddonLoad | undefined;

/**
 * DEMI_THREADS: the thread count of the native kernels (OpenBLAS's included), so that a benchmark
 * or a shared machine can pin it; unset, OpenBLAS uses every core.
 */
export function threadsFromEnvironment(value = process.env.DEMI_THREADS): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BackendError(`DEMI_THREADS must be a whole number >= 1, got '${value}'`, { hint: 'unset it to use every core' });
  return n;
}

export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  let coreTypeChosenByUs = false;
  if (!process.env.OPENBLAS_CORETYPE && process.arch === 'x64') {
    try {
      const chosen = detectCoreType(readFileSync('/proc/cpuinfo', 'utf8'));
      if (chosen) {
        process.env.OPENBLAS_CORETYPE = chosen;
        coreTypeChosenByUs = true;
      }
    } catch {
      // no /proc/cpuinfo (not Linux): OpenBLAS's own detection stands
    }
  }
  const coreType = process.env.OPENBLAS_CORETYPE;
  if (!existsSync(addonPath)) {
    cached = { addon: null, reason: `not built (${addonPath} is missing; run \`npm run build:native\`)`, coreType, coreTypeChosenByUs };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    const threads = threadsFromEnvironment();
    if (threads !== undefined) addon.setBlasThreads(threads);
    cached = { addon, coreType, coreTypeChosenByUs };
  } catch (err) {
    cached = { addon: null, reason: `failed to load: ${(err as Error).message}`, coreType, coreTypeChosenByUs };
  }
  return cached;
}
