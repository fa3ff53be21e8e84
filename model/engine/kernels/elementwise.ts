/**
 * Elementwise, reduction and softmax kernels: memory-bound ops that autodiff emits thousands of
 * times per training step. The wasm backend runs them single-threaded without libmvec; these loops
 * are vectorised natively. Broadcasts other than scalar / trailing vector / leading column fall back.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import type { NativeAddon } from '../native/addon.js';
import { binaryPlan, reductionPlan, sizeOf } from './shapes.js';
import { overrideKernel } from './register.js';

const binaryOps: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 };
const unaryOps: Record<string, number> = { Exp: 0, Log: 1, Tanh: 2, Sigmoid: 3, Sqrt: 4, Rsqrt: 5, Square: 6, Neg: 7, Relu: 8 };

export function registerElementwiseKernels(backendName: string, native: NativeAddon): void {
  for (const [kernelName, op] of Object.entries(binaryOps)) {
    overrideKernel(kernelName, backendName, (args, mem) => {
      const { a, b } = args.inputs as Record<string, TensorInfo>;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
      const plan = binaryPlan(a.shape, b.shape);
      if (!plan) return null;
      const out = mem.alloc(plan.outShape, 'float32');
      if (plan.rows * plan.cols > 0) {
        native.binary(op, mem.f32(a), plan.layoutA, mem.f32(b), plan.layoutB, mem.f32(out), plan.rows, plan.cols);
      }
      return out;
    });
  }

  for (const [kernelName, op] of Object.entries(unaryOps)) {
    overrideKernel(kernelName, backendName, (args, mem) => {
      const { x } = args.inputs as Record<string, TensorInfo>;
      if (x.dtype !== 'float32') return null;
      const out = mem.alloc(x.shape, 'float32');
      native.unary(op, mem.f32(x), mem.f32(out));
      return out;
    });
  }

  overrideKernel('Sum', backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32') return null;
    const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape);
    const plan = reductionPlan(x.shape, axes);
    if (!plan) return null;
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const outShape = args.attrs.keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
    const out = mem.alloc(outShape, 'float32');
    if (sizeOf(outShape) > 0) native.sum(mem.f32(x), mem.f32(out), plan.outer, plan.reduced, plan.inner);
    return out;
  });

  overrideKernel('Softmax', backendName, (args, mem) => {
    const { logits } = args.inputs as Record<string, TensorInfo>;
    const rank = logits.shape.length;
    const dim = Number(args.attrs.dim ?? -1);
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
    const cols = logits.shape[rank - 1];
    const out = mem.alloc(logits.shape, 'float32');
    if (cols > 0) native.softmax(mem.f32(logits), mem.f32(out), sizeOf(logits.shape) / cols, cols);
    return out;
  });

  overrideKernel('UnsortedSegmentSum', backendName, (args, mem) => {
    const { x, segmentIds } = args.inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') return null;
    const numSegments = Number(args.attrs.numSegments);
    const rowShape = x.shape.slice(segmentIds.shape.length);
    const out = mem.alloc([numSegments, ...rowShape], 'float32');
    const rowSize = sizeOf(rowShape);
    if (rowSize > 0 && numSegments > 0) native.segmentSum(mem.f32(x), mem.i32(segmentIds), mem.f32(out), rowSize);
    return out;
  });
}

/**
 * On wasm, Identity and same-dtype Cast copy the buffer; TF.js tensors are immutable, so sharing it
 * (as the cpu backend already does) is safe and saves a copy per call.
 */
export function registerSharingKernels(backendName: string): void {
  overrideKernel('Identity', backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    return x.dtype === 'string' ? null : mem.share(x);
  });
  overrideKernel('Cast', backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    return x.dtype === args.attrs.dtype && x.dtype !== 'string' ? mem.share(x) : null;
  });
}
