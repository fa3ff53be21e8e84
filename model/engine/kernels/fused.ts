/**
 * Native kernels of the project's fused ops: sparse softmax cross-entropy (no one-hot, so large
 * vocabularies fit), tanh-GELU, dropout, LayerNorm, causal softmax for attention, and AdamW. Each replaces a
 * chain of 5-15 TF.js kernels (and their gradients) by one pass over memory.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/addon.js';
import * as names from '../fused-ops.js';
import { sizeOf } from './shapes.js';
import { overrideKernel } from './register.js';

export function registerFusedKernels(backendName: string, native: NativeAddon): void {
  overrideKernel(names.SPARSE_CE, backendName, (args, mem) => {
    const { logits, labels } = args.inputs as Record<string, TensorInfo>;
    const vocab = logits.shape[logits.shape.length - 1];
    const rows = sizeOf(labels.shape);
    const out = mem.alloc(labels.shape, 'float32');
    native.sparseSoftmaxCE(mem.f32(logits), mem.i32(labels), mem.f32(out), rows, vocab);
    return out;
  });
  overrideKernel(names.SPARSE_CE_GRAD, backendName, (args, mem) => {
    const { logits, labels, dy } = args.inputs as Record<string, TensorInfo>;
    const vocab = logits.shape[logits.shape.length - 1];
    const out = mem.alloc(logits.shape, 'float32');
    native.sparseSoftmaxCEGrad(mem.f32(logits), mem.i32(labels), mem.f32(dy), mem.f32(out), sizeOf(labels.shape), vocab);
    return out;
  });

  overrideKernel(names.GELU, backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    const out = mem.alloc(x.shape, 'float32');
    native.gelu(mem.f32(x), mem.f32(out));
    return out;
  });
  overrideKernel(names.GELU_GRAD, backendName, (args, mem) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    const out = mem.alloc(x.shape, 'float32');
    native.geluGrad(mem.f32(x), mem.f32(dy), mem.f32(out));
    return out;
  });

  overrideKernel(names.DROPOUT, backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    const out = mem.alloc(x.shape, 'float32');
    native.dropout(mem.f32(x), mem.f32(out), args.attrs.rate as number, args.attrs.seed as number);
    return out;
  });

  overrideKernel(names.LAYER_NORM, backendName, (args, mem) => {
    const { x, gamma, beta } = args.inputs as Record<string, TensorInfo>;
    const cols = x.shape[x.shape.length - 1];
    const out = mem.alloc(x.shape, 'float32');
    native.layerNorm(mem.f32(x), mem.f32(gamma), mem.f32(beta), mem.f32(out), sizeOf(x.shape) / cols, cols,
      Number(args.attrs.epsilon));
    return out;
  });
  overrideKernel(names.LAYER_NORM_GRAD, backendName, (args, mem) => {
    const { dy, x, gamma } = args.inputs as Record<string, TensorInfo>;
    const cols = x.shape[x.shape.length - 1];
    const dx = mem.alloc(x.shape, 'float32');
    const dgamma = mem.alloc([cols], 'float32');
    const dbeta = mem.alloc([cols], 'float32');
    native.layerNormGrad(mem.f32(dy), mem.f32(x), mem.f32(gamma), mem.f32(dx), mem.f32(dgamma), mem.f32(dbeta),
      sizeOf(x.shape) / cols, cols, Number(args.attrs.epsilon));
    return [dx, dgamma, dbeta];
  });

  overrideKernel(names.CAUSAL_SOFTMAX, backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    const rank = x.shape.length;
    const tq = x.shape[rank - 2];
    const tk = x.shape[rank - 1];
    const out = mem.alloc(x.shape, 'float32');
    native.causalSoftmax(mem.f32(x), mem.f32(out), sizeOf(x.shape) / (tq * tk), tq, tk, Number(args.attrs.scale));
    return out;
  });
  overrideKernel(names.SOFTMAX_GRAD, backendName, (args, mem) => {
    const { y, dy } = args.inputs as Record<string, TensorInfo>;
    const cols = y.shape[y.shape.length - 1];
    const out = mem.alloc(y.shape, 'float32');
    native.softmaxGrad(mem.f32(y), mem.f32(dy), mem.f32(out), sizeOf(y.shape) / cols, cols, Number(args.attrs.scale));
    return out;
  });

  overrideKernel(names.ADAMW, backendName, (args, mem) => {
    const { param, grad, m, v } = args.inputs as Record<string, TensorInfo>;
    const a = args.attrs;
    // The moments belong to the AdamW instance alone (its getState copies them out), so they are updated
    // in place and returned as the same buffers: two fewer allocations and copies of every weight's size
    // per step, which on the cpu host (fresh zeroed arrays) was most of the update's time. The weights are
    // copied: other tensors may share a variable's buffer.
    const updated = mem.alloc(param.shape, 'float32');
    const p1 = mem.f32(updated);
    p1.set(mem.f32(param));
    native.adamw(p1, mem.f32(grad), mem.f32(m), mem.f32(v), Number(a.learningRate), Number(a.beta1), Number(a.beta2), Number(a.epsilon),
      Number(a.weightDecay), Number(a.step));
    return [updated, mem.share(m), mem.share(v)];
  });
}
