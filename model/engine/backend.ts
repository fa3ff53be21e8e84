/**
 * Backend selection (docs/ARCHITECTURE.md §3). In order: tfjs-node-gpu, tfjs-node (optional dependencies, present
 * where libtensorflow could be downloaded), then wasm with the project's native OpenBLAS kernels,
 * then wasm with the pure-JS fixes, then cpu. DEMI_BACKEND (or --backend) names one directly:
 * tensorflow-gpu | tensorflow | native | wasm | cpu. The choice is logged once and queryable.
 */
import { tf } from './tf.js';
import { log } from '../../core/index.js';
import { loadNativeAddon, threadsFromEnvironment } from './native/addon.js';
import { registerMatMulKernels } from './kernels/matmul.js';
import { registerConvKernels } from './kernels/conv.js';
import { registerElementwiseKernels, registerSharingKernels } from './kernels/elementwise.js';
import { registerFusedKernels } from './kernels/fused.js';
import { registerJsFallbackKernels } from './kernels/js-fallback.js';
import { registerSplitKernel } from './kernels/split.js';
import { BackendError } from '../errors.js';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  /** What the project calls this engine configuration. */
  name: BackendName;
  /** The TF.js backend underneath (tensorflow, wasm, cpu). */
  tfBackend: string;
  /** Whether the native OpenBLAS kernels are registered. */
  nativeKernels: boolean;
  blas?: { coreName: string; threads: number; coreType?: string; coreTypeChosenByUs: boolean };
  /** Why faster configurations were skipped. */
  skipped: string[];
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

async function tryTensorflow(pkg: string): Promise<string | null> {
  try {
    await import(pkg);
    if (!tf.findBackend('tensorflow') && !tf.engine().registryFactory.tensorflow) return `${pkg} registered no backend`;
    if (!(await tf.setBackend('tensorflow'))) return `${pkg} backend failed to initialise`;
    return null;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    return /Cannot find (module|package)/.test(message) ? `${pkg} not installed` : `${pkg}: ${message}`;
  }
}

async function useWasmOrCpu(name: 'native' | 'wasm' | 'cpu', skipped: string[]): Promise<BackendInfo> {
  const host = name === 'cpu' ? 'cpu' : 'wasm';
  if (!(await tf.setBackend(host))) throw new BackendError(`the TF.js ${host} backend failed to initialise`);
  if (host === 'wasm') registerSplitKernel(host);
  if (name === 'native') {
    const loaded = loadNativeAddon();
    if (!loaded.addon) throw new BackendError(`native kernels unavailable: ${loaded.reason}`);
    const native = loaded.addon;
    registerMatMulKernels(host, native);
    registerConvKernels(host, native);
    registerElementwiseKernels(host, native);
    registerFusedKernels(host, native);
    registerSharingKernels(host);
    const blas = native.blasInfo();
    return { name, tfBackend: host, nativeKernels: true, blas: { ...blas, coreType: loaded.coreType, coreTypeChosenByUs: loaded.coreTypeChosenByUs }, skipped };
  }
  registerJsFallbackKernels(host);
  return { name, tfBackend: host, nativeKernels: false, skipped };
}

async function select(requested: BackendName | undefined): Promise<BackendInfo> {
  threadsFromEnvironment(); // a bad DEMI_THREADS is the user's to fix, not a reason to fall back to pure JS
  const skipped: string[] = [];
  if (requested) {
    if (requested === 'tensorflow-gpu' || requested === 'tensorflow') {
      const failure = await tryTensorflow(requested === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu');
      if (failure) throw new BackendError(`backend '${requested}' was requested but is unavailable: ${failure}`);
      return { name: requested, tfBackend: 'tensorflow', nativeKernels: false, skipped };
    }
    return useWasmOrCpu(requested, skipped);
  }
  for (const [name, pkg] of [['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'], ['tensorflow', '@tensorflow/tfjs-node']] as const) {
    const failure = await tryTensorflow(pkg);
    if (!failure) return { name, tfBackend: 'tensorflow', nativeKernels: false, skipped };
    skipped.push(failure);
  }
  try {
    return await useWasmOrCpu('native', skipped);
  } catch (err) {
    skipped.push((err as Error).message);
  }
  try {
    return await useWasmOrCpu('wasm', skipped);
  } catch (err) {
    skipped.push((err as Error).message);
  }
  return useWasmOrCpu('cpu', skipped);
}

function parseRequested(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new BackendError(`unknown backend '${value}': choose one of ${BACKEND_NAMES.join(', ')} (or auto)`);
  }
  return value as BackendName;
}

/**
 * Picks and initialises the engine once per process; later calls return the same choice.
 * `requested` (e.g. from --backend) wins over DEMI_BACKEND.
 */
export function selectBackend(requested?: string): Promise<BackendInfo> {
  if (current) {
    const want = parseRequested(requested);
    if (want && want !== current.name) {
      throw new BackendError(`backend '${current.name}' is already selected in this process; cannot switch to '${want}'`);
    }
    return Promise.resolve(current);
  }
  pending ??= select(parseRequested(requested ?? process.env.DEMI_BACKEND)).then((info) => {
    current = info;
    if (!info.nativeKernels && info.tfBackend !== 'tensorflow') {
      log.warn({ backend: info.name, skipped: info.skipped },
        'native CPU kernels are not in use: training runs on the slow pure-JS path (build them with `npm run build:native`)');
    } else {
      log.info({ backend: info.name, tfBackend: info.tfBackend, blas: info.blas }, 'engine backend selected');
    }
    return info;
  });
  return pending;
}

/** The engine chosen by selectBackend, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}
