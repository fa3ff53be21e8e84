/**
 * The pure-JS path, for when the native addon cannot be built or loaded. It still trains:
 * - UnsortedSegmentSum (the gradient of tf.gather, so embeddings learn) is missing on wasm, and the
 *   cpu backend's version builds O(segments x rows) temporaries; a plain loop replaces both.
 * - Conv2DBackpropFilter is missing on wasm; a direct loop supplies it.
 * - wasm runs any transposed or batched matmul as a scalar triple loop (~1 GFLOP/s); copying each
 *   batch into an untransposed single matrix sends every product down its XNNPACK path instead.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { matmulBatch, sizeOf } from './shapes.js';
import { overrideKernel, type KernelArgs } from './register.js';
import type { HostMemory } from './host.js';

function segmentSumJs(args: KernelArgs, mem: HostMemory): TensorInfo | null {
  const { x, segmentIds } = args.inputs as Record<string, TensorInfo>;
  if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') return null;
  const numSegments = Number(args.attrs.numSegments);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = sizeOf(rowShape);
  const out = mem.alloc([numSegments, ...rowShape], 'float32');
  const o = mem.f32(out);
  const data = mem.f32(x);
  const ids = mem.i32(segmentIds);
  o.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let j = 0; j < rowSize; j++) o[dst + j] += data[src + j];
  }
  return out;
}

function conv2dBackpropFilterJs(args: KernelArgs, mem: HostMemory): TensorInfo | null {
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const format = args.attrs.dataFormat;
  if (x.dtype !== 'float32' || (format !== undefined && format !== 'NHWC')) return null;
  const filterShape = args.attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape,
    args.attrs.strides as [number, number], 1, args.attrs.pad as 'same', args.attrs.dimRoundingMode as 'floor', false);
  const out = mem.alloc(filterShape, 'float32');
  const dw = mem.f32(out);
  const xs = mem.f32(x);
  const dys = mem.f32(dy);
  dw.fill(0);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outChannels: OC, outHeight: OH, outWidth: OW } = info;
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      for (let n = 0; n < N; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * info.strideHeight - info.padInfo.top + kh;
          if (ih < 0 || ih >= H) continue;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * info.strideWidth - info.padInfo.left + kw;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const dyBase = ((n * OH + oh) * OW + ow) * OC;
            for (let c = 0; c < C; c++) {
              const xv = xs[xBase + c];
              const wBase = ((kh * info.filterWidth + kw) * C + c) * OC;
              for (let oc = 0; oc < OC; oc++) dw[wBase + oc] += xv * dys[dyBase + oc];
            }
          }
        }
      }
    }
  }
  return out;
}

/** Copies matrix `index` of a [batch, rows, cols] view into `dst` as [cols, rows] when transposing. */
function copyMatrix(src: Float32Array, offset: number, rows: number, cols: number, transpose: boolean, dst: Float32Array) {
  if (!transpose) {
    dst.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[offset + r * cols + c];
}

function matMulSplitJs(original: KernelConfig, args: KernelArgs, mem: HostMemory, fused: boolean): TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
  const transposeA = Boolean(args.attrs.transposeA);
  const transposeB = Boolean(args.attrs.transposeB);
  const activation = fused ? String(args.attrs.activation ?? 'linear') : 'linear';
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights) return null;
  if (!['linear', 'relu'].includes(activation)) return null;
  const plan = matmulBatch(a.shape, b.shape);
  if (!plan) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const biasSize = bias ? sizeOf(bias.shape) : 0;
  if (bias && biasSize !== N && biasSize !== 1) return null;
  if (plan.batch === 1 && !transposeA && !transposeB && !bias && activation === 'linear') return null;
  const out = mem.alloc([...plan.outBatchShape, M, N], 'float32');
  const backend = args.backend;
  for (let i = 0; i < plan.batch; i++) {
    const a2 = mem.alloc([1, M, K], 'float32');
    const b2 = mem.alloc([1, K, N], 'float32');
    copyMatrix(mem.f32(a), i * plan.strideScaleA * M * K, transposeA ? K : M, transposeA ? M : K, transposeA, mem.f32(a2));
    copyMatrix(mem.f32(b), i * plan.strideScaleB * K * N, transposeB ? N : K, transposeB ? K : N, transposeB, mem.f32(b2));
    const c2 = original.kernelFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
    mem.f32(out).set(mem.f32(c2), i * M * N);
    for (const t of [a2, b2, c2]) backend.disposeData(t.dataId);
  }
  if (bias || activation === 'relu') {
    const o = mem.f32(out);
    const bv = bias ? mem.f32(bias) : null;
    for (let i = 0; i < o.length; i++) {
      let v = o[i] + (bv ? bv[biasSize === 1 ? 0 : i % N] : 0);
      if (activation === 'relu' && v < 0) v = 0;
      o[i] = v;
    }
  }
  return out;
}

export function registerJsFallbackKernels(backendName: string): void {
  overrideKernel('UnsortedSegmentSum', backendName, segmentSumJs);
  if (backendName !== 'wasm') return;
  overrideKernel('Conv2DBackpropFilter', backendName, conv2dBackpropFilterJs);
  const batchMatMul = tf.getKernel('BatchMatMul', backendName);
  if (batchMatMul) {
    overrideKernel('BatchMatMul', backendName, (args, mem) => matMulSplitJs(batchMatMul, args, mem, false));
    overrideKernel('_FusedMatMul', backendName, (args, mem) => matMulSplitJs(batchMatMul, args, mem, true));
  }
}
