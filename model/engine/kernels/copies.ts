/**
 * Data-movement kernels as block copies (memcpy in the native addon where it is loaded, typed-array
 * copies otherwise):
 * - GatherV2 (the embedding lookup), on both hosts. The wasm backend's gather took 25-60 ms for 2048
 *   rows of a [8000, 256] table (2 MB), 2-5% of a reference GPT step; a row is one block copy.
 * - SplitV and Concat, on both hosts. The wasm backend slices each output with a general strided
 *   kernel, which made splitting a [2048, 768] attention projection cost ~40 ms, and joins a concat's
 *   inputs in JS; its gradient (q, k, v back into one tensor) is a concat.
 * - Transpose, on the cpu host only (wasm has its own C++ transpose). The cpu backend computes the
 *   source index of every element through generic index arithmetic: 7 s per GPT-2-small-width step.
 *   An identity permutation shares the input, as wasm's does.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { sizeOf } from './shapes.js';
import type { NativeAddon } from '../native/addon.js';
import { overrideKernel } from './register.js';

export function registerGatherKernel(backendName: string): void {
  overrideKernel('GatherV2', backendName, (args, mem) => {
    const { x, indices } = args.inputs as Record<string, TensorInfo>;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32' || (args.attrs.batchDims ?? 0) !== 0) return null;
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
    const dim = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const idx = mem.i32(indices);
    const count = idx.length;
    for (let i = 0; i < count; i++) {
      // the stock kernels check this too; an out-of-range row would read another tensor's memory here
      if (!(idx[i] >= 0 && idx[i] < dim)) throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dim - 1}]`);
    }
    const out = mem.alloc([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    const view = x.dtype === 'float32' ? mem.f32 : mem.i32;
    // views after the output is allocated: growing the wasm heap detaches earlier ones
    const src = view(x);
    const dst = view(out);
    const rows = mem.i32(indices);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < count; i++) {
        const from = (o * dim + rows[i]) * inner;
        dst.set(src.subarray(from, from + inner), (o * count + i) * inner);
      }
    }
    return out;
  });
}

/**
 * Copies `count` blocks of `length` values, block r from src[srcStart + r srcStride] to
 * dst[dstStart + r dstStride] (both arrays of the same 4-byte type).
 */
export type BlockCopier = (src: Float32Array | Int32Array, srcStart: number, srcStride: number,
  dst: Float32Array | Int32Array, dstStart: number, dstStride: number, count: number, length: number) => void;

export const typedArrayBlockCopier: BlockCopier = (src, srcStart, srcStride, dst, dstStart, dstStride, count, length) => {
  for (let r = 0; r < count; r++) {
    const from = srcStart + r * srcStride;
    dst.set(src.subarray(from, from + length), dstStart + r * dstStride);
  }
};

/** The native addon's memcpy loop (threaded for large copies); int32 data travels as a float view of its bytes. */
export function nativeBlockCopier(native: NativeAddon): BlockCopier {
  const floats = (a: Float32Array | Int32Array) => (a instanceof Float32Array ? a : new Float32Array(a.buffer, a.byteOffset, a.length));
  return (src, srcStart, srcStride, dst, dstStart, dstStride, count, length) =>
    native.copyBlocks(floats(src), srcStart, srcStride, floats(dst), dstStart, dstStride, count, length);
}

export function registerConcatKernel(backendName: string, copy: BlockCopier): void {
  overrideKernel('Concat', backendName, (args, mem) => {
    const all = Object.values(args.inputs) as TensorInfo[];
    if (all.length === 0 || all.some((t) => t.dtype !== all[0].dtype || t.shape.length !== all[0].shape.length)) return null;
    if (all[0].dtype !== 'float32' && all[0].dtype !== 'int32') return null;
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, all[0].shape)[0];
    const parts = all.filter((t) => sizeOf(t.shape) > 0);
    if (parts.length === 0) return null;
    const outShape = [...parts[0].shape];
    outShape[axis] = parts.reduce((sum, t) => sum + t.shape[axis], 0);
    const outer = sizeOf(outShape.slice(0, axis));
    const inner = sizeOf(outShape.slice(axis + 1));
    if (parts.some((t) => sizeOf(t.shape.slice(0, axis)) !== outer || sizeOf(t.shape.slice(axis + 1)) !== inner)) return null;
    const out = mem.alloc(outShape, parts[0].dtype);
    const view = parts[0].dtype === 'float32' ? mem.f32 : mem.i32;
    const dst = view(out);
    const row = outShape[axis] * inner;
    let offset = 0;
    for (const part of parts) {
      const block = part.shape[axis] * inner;
      copy(view(part), 0, block, dst, offset, row, outer, block);
      offset += block;
    }
    return out;
  });
}

export function registerSplitKernel(backendName: string, copy: BlockCopier): void {
  overrideKernel('SplitV', backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return null;
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
    const dim = x.shape[axis];
    const spec = args.attrs.numOrSizeSplits as number | number[];
    let sizes: number[];
    if (typeof spec === 'number') {
      if (dim % spec !== 0) return null;
      sizes = new Array(spec).fill(dim / spec);
    } else {
      const known = spec.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
      sizes = spec.map((s) => (s === -1 ? dim - known : s));
    }
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const outs = sizes.map((s) => mem.alloc(x.shape.map((d, i) => (i === axis ? s : d)), x.dtype));
    const view = x.dtype === 'float32' ? mem.f32 : mem.i32;
    const src = view(x);
    let offset = 0;
    outs.forEach((out, k) => {
      const block = sizes[k] * inner;
      copy(src, offset * inner, dim * inner, view(out), 0, block, outer, block);
      offset += sizes[k];
    });
    return outs;
  });
}

/**
 * Transpose by copying the longest run of trailing axes the permutation keeps in place as one block
 * (the head dimension of [B, T, H, Dh] -> [B, H, T, Dh]), visiting output blocks in order with an
 * odometer over the moved axes; a permutation that moves the last axis copies element by element.
 */
export function registerTransposeKernel(backendName: string): void {
  overrideKernel('Transpose', backendName, (args, mem) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return null;
    const perm = args.attrs.perm as number[];
    const rank = x.shape.length;
    // tf.gather's gradient transposes by the identity (on axis 0): the embedding gradient, 154 MB for GPT-2
    if (perm.every((p, i) => p === i)) return mem.share(x);
    const outShape = perm.map((p) => x.shape[p]);
    const out = mem.alloc(outShape, x.dtype);
    const size = sizeOf(x.shape);
    if (size === 0) return out;
    const view = x.dtype === 'float32' ? mem.f32 : mem.i32;
    const src = view(x);
    const dst = view(out);
    let kept = rank;
    while (kept > 0 && perm[kept - 1] === kept - 1) kept--;
    const block = sizeOf(x.shape.slice(kept));
    const strides = new Array<number>(rank).fill(1);
    for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * x.shape[i + 1];
    // source stride (in elements) of each moved output axis, innermost last
    const moved = outShape.slice(0, kept);
    const movedStride = perm.slice(0, kept).map((p) => strides[p]);
    const index = new Array<number>(kept).fill(0);
    let from = 0;
    for (let to = 0; to < size; to += block) {
      if (block === 1) dst[to] = src[from];
      else dst.set(src.subarray(from, from + block), to);
      for (let axis = kept - 1; axis >= 0; axis--) {
        from += movedStride[axis];
        if (++index[axis] < moved[axis]) break;
        from -= movedStride[axis] * moved[axis];
        index[axis] = 0;
      }
    }
    return out;
  });
}
