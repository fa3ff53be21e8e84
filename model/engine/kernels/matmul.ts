/** BatchMatMul and _FusedMatMul on OpenBLAS sgemm: every transpose, batch broadcast, bias and activation. */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/addon.js';
import { matmulBatch } from './shapes.js';
import { overrideKernel, type KernelArgs } from './register.js';
import type { HostMemory } from './host.js';

const activations: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, leakyrelu: 4, elu: 5 };

function nativeMatMul(native: NativeAddon, args: KernelArgs, mem: HostMemory, fused: boolean): TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
  const transposeA = Boolean(args.attrs.transposeA);
  const transposeB = Boolean(args.attrs.transposeB);
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const activation = fused ? String(args.attrs.activation ?? 'linear') : 'linear';
  if (preluActivationWeights || !(activation in activations)) return null;
  const M = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const K = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const Kb = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  const N = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  if (K !== Kb) return null;
  const plan = matmulBatch(a.shape, b.shape);
  if (!plan) return null;
  const biasSize = bias ? bias.shape.reduce((x, y) => x * y, 1) : 0;
  if (bias && (bias.dtype !== 'float32' || (biasSize !== N && biasSize !== 1))) return null;
  const out = mem.alloc([...plan.outBatchShape, M, N], 'float32');
  const outView = mem.f32(out);
  if (M * N > 0) {
    if (K === 0) outView.fill(0);
    else native.gemm(plan.batch, M, N, K, transposeA ? 1 : 0, transposeB ? 1 : 0,
      mem.f32(a), plan.strideScaleA * M * K, mem.f32(b), plan.strideScaleB * K * N, outView, 1, 0);
    if (bias || activation !== 'linear') {
      native.biasActivation(outView, plan.batch * M, N, bias ? mem.f32(bias) : null, activations[activation],
        Number(args.attrs.leakyreluAlpha ?? 0.2));
    }
  }
  return out;
}

export function registerMatMulKernels(backendName: string, native: NativeAddon): void {
  overrideKernel('BatchMatMul', backendName, (args, mem) => nativeMatMul(native, args, mem, false));
  overrideKernel('_FusedMatMul', backendName, (args, mem) => nativeMatMul(native, args, mem, true));
}
