/**
 * Replacing a backend's kernel while keeping the original as the fallback for inputs the
 * replacement does not handle (another dtype, an unusual broadcast, NCHW, ...).
 */
import type { KernelBackend, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { hostMemory, type HostMemory } from './host.js';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: KernelBackend;
}

/** Returns null when it does not handle these inputs; the original kernel then runs. */
export type KernelImpl = (args: KernelArgs, mem: HostMemory) => TensorInfo | TensorInfo[] | null;

const originals = new Map<string, KernelConfig | undefined>();

export function overrideKernel(kernelName: string, backendName: string, impl: KernelImpl): void {
  const key = `${backendName}/${kernelName}`;
  if (!originals.has(key)) originals.set(key, tf.getKernel(kernelName, backendName));
  const original = originals.get(key);
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    setupFunc: original?.setupFunc,
    disposeFunc: original?.disposeFunc,
    kernelFunc: (args) => {
      const out = impl(args as unknown as KernelArgs, hostMemory(args.backend as KernelBackend));
      if (out !== null) return out;
      if (!original) throw new Error(`${kernelName}: these inputs are not supported on the ${backendName} backend`);
      return original.kernelFunc(args);
    },
  });
}

/** Puts back every kernel that overrideKernel replaced on this backend (tests use it for references). */
export function restoreKernels(backendName: string): void {
  for (const [key, original] of originals) {
    const [backend, kernelName] = key.split('/');
    if (backend !== backendName) continue;
    if (tf.getKernel(kernelName, backend)) tf.unregisterKernel(kernelName, backend);
    if (original) tf.registerKernel(original);
    originals.delete(key);
  }
}

/** Calls another kernel of the same backend directly (inside a kernel, where tf ops must not be used). */
export function callKernel(kernelName: string, args: KernelArgs): TensorInfo {
  const config = tf.getKernel(kernelName, tf.getBackend());
  if (!config) throw new Error(`kernel ${kernelName} is not registered on ${tf.getBackend()}`);
  return config.kernelFunc(args as never) as TensorInfo;
}
