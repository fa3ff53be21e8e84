/**
 * SplitV as block copies. The wasm backend slices each output with a general strided kernel,
 * which made splitting a [2048, 768] attention projection cost ~40 ms; typed-array block copies
 * run at memcpy speed. Needs no native code, so it serves both engine paths.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { sizeOf } from './shapes.js';
import { overrideKernel } from './register.js';

export function registerSplitKernel(backendName: string): void {
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
      const dst = view(out);
      const block = sizes[k] * inner;
      for (let o = 0; o < outer; o++) {
        const from = (o * dim + offset) * inner;
        dst.set(src.subarray(from, from + block), o * block);
      }
      offset += sizes[k];
    });
    return outs;
  });
}
