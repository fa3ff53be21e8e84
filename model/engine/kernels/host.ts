/**
 * Zero-copy access to a host backend's tensor memory, for kernels written outside TF.js.
 * On wasm a tensor is a region of the wasm heap; on cpu it is the backend's own typed array.
 * Views must be taken after every output of a kernel is allocated: growing the wasm heap detaches
 * earlier views.
 */
import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

export interface HostMemory {
  alloc(shape: number[], dtype: DataType): TensorInfo;
  f32(t: TensorInfo): Float32Array;
  i32(t: TensorInfo): Int32Array;
  /** A new tensor that shares `t`'s buffer (Identity, Reshape-like kernels). */
  share(t: TensorInfo): TensorInfo;
}

interface WasmBackendLike extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
}

interface CpuBackendLike extends KernelBackend {
  makeTensorInfo(shape: number[], dtype: DataType, values?: ArrayLike<number>): TensorInfo;
  data: { get(dataId: object): { values?: ArrayLike<number> } };
  incRef(dataId: object): void;
}

function typedArrayFor(dtype: DataType, size: number): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  throw new Error(`host memory: unsupported dtype ${dtype}`);
}

function wasmMemory(backend: WasmBackendLike): HostMemory {
  return {
    alloc: (shape, dtype) => backend.makeOutput(shape, dtype),
    f32: (t) => backend.typedArrayFromHeap(t) as Float32Array,
    i32: (t) => backend.typedArrayFromHeap(t) as Int32Array,
    share: (t) => {
      backend.incRef(t.dataId);
      return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
    },
  };
}

function cpuMemory(backend: CpuBackendLike): HostMemory {
  // The cpu backend keeps some float32 tensors in other arrays (a cast from bool shares its Uint8Array,
  // a tensor made from a JS array keeps it): such values are converted once, in place.
  const values = <T extends Float32Array | Int32Array>(t: TensorInfo, type: new (v: ArrayLike<number>) => T): T => {
    const entry = backend.data.get(t.dataId);
    const v = entry.values;
    if (v === undefined) throw new Error('host memory: tensor has no values on the cpu backend');
    if (v instanceof type) return v;
    const converted = new type(v);
    entry.values = converted;
    return converted;
  };
  return {
    alloc: (shape, dtype) => backend.makeTensorInfo(shape, dtype, typedArrayFor(dtype, tf.util.sizeFromShape(shape))),
    f32: (t) => values(t, Float32Array),
    i32: (t) => values(t, Int32Array),
    share: (t) => {
      backend.incRef(t.dataId);
      return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
    },
  };
}

const memories = new WeakMap<KernelBackend, HostMemory>();

export function hostMemory(backend: KernelBackend): HostMemory {
  let mem = memories.get(backend);
  if (!mem) {
    mem = 'typedArrayFromHeap' in backend ? wasmMemory(backend as WasmBackendLike) : cpuMemory(backend as CpuBackendLike);
    memories.set(backend, mem);
  }
  return mem;
}
