/**
 * Backend selection (docs/ARCHITECTURE.md §3). In order: tfjs-node-gpu, tfjs-node (optional dependencies, present
 * where libtensorflow could be downloaded), then wasm with the project's native OpenBLAS kernels,
 * then wasm with the pure-JS fixes, then cpu. DEMI_BACKEND (or --backend) names one directly:
 * tensorflow-gpu | tensorflow | native | wasm | cpu. The choice is logged once and queryable.
 *
 * The native kernels keep tensors in a host backend's memory: wasm's heap by default (its own C++
 * kernels cover what ours do not), which wasm32 caps at 4 GiB; DEMI_NATIVE_HOST=cpu puts them in the
 * cpu backend's typed arrays instead, with no such cap, for models whose training state does not fit
 * (GPT-2 small with AdamW). README "Engine" has the cost of each.
 */
import { tf } from './tf.js';
import { log } from '../../core/index.js';
import { loadNativeAddon, threadsFromEnvironment } from './native/addon.js';
import { registerMatMulKernels } from './kernels/matmul.js';
import { registerConvKernels } from './kernels/conv.js';
import { registerElementwiseKernels, registerSharingKernels } from './kernels/elementwise.js';
import { registerFusedKernels } from './kernels/fused.js';
import { registerJsFallbackKernels } from './kernels/js-fallback.js';
import { nativeBlockCopier, registerConcatKernel, registerGatherKernel, registerSplitKernel, registerTransposeKernel, typedArrayBlockCopier } from './kernels/copies.js';
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

export const NATIVE_HOSTS = ['wasm', 'cpu'] as const;

/** DEMI_NATIVE_HOST: which TF.js backend's memory the native kernels work in (default wasm). */
export function nativeHostFromEnvironment(): (typeof NATIVE_HOSTS)[number] {
  const value = process.env.DEMI_NATIVE_HOST;
  if (value === undefined || value === '') return 'wasm';
  if (!(NATIVE_HOSTS as readonly string[]).includes(value)) {
    throw new BackendError(`DEMI_NATIVE_HOST must be one of ${NATIVE_HOSTS.join(', ')}, got '${value}'`);
  }
  return value as (typeof NATIVE_HOSTS)[number];
}

async function useWasmOrCpu(name: 'native' | 'wasm' | 'cpu', skipped: string[]): Promise<BackendInfo> {
  const host = name === 'cpu' || (name === 'native' && nativeHostFromEnvironment() === 'cpu') ? 'cpu' : 'wasm';
  if (!(await tf.setBackend(host))) throw new BackendError(`the TF.js ${host} backend failed to initialise`);
  const loaded = name === 'native' ? loadNativeAddon() : null;
  if (loaded && !loaded.addon) throw new BackendError(`native kernels unavailable: ${loaded.reason}`);
  // SplitV, Concat and GatherV2 as block copies wherever the host's own are slow: wasm's, and the cpu
  // backend's under the native kernels (its plain path stays stock TF.js, the reference the kernel tests
  // compare with)
  if (host === 'wasm' || name === 'native') {
    const copy = loaded?.addon ? nativeBlockCopier(loaded.addon) : typedArrayBlockCopier;
    registerSplitKernel(host, copy);
    registerConcatKernel(host, copy);
    registerGatherKernel(host);
  }
  if (loaded?.addon) {
    const native = loaded.addon;
    registerMatMulKernels(host, native);
    registerConvKernels(host, native);
    registerElementwiseKernels(host, native);
    registerFusedKernels(host, native);
    registerSharingKernels(host);
    if (host === 'cpu') registerTransposeKernel(host);
    const blas = native.blasInfo();
    return { name, tfBackend: host, nativeKernels: true, blas: { ...blas, coreType: loaded.coreType, coreTypeChosenByUs: loaded.coreTypeChosenByUs }, skipped };
  }
  registerJsFallbackKernels(host);
  return { name, tfBackend: host, nativeKernels: false, skipped };
}

async function select(requested: BackendName | undefined): Promise<BackendInfo> {
  threadsFromEnvironment(); // a bad DEMI_THREADS is the user's to fix, not a reason to fall back to pure JS
  nativeHostFromEnvironment(); // likewise DEMI_NATIVE_HOST
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

const WASM_HEAP_LIMIT = 4 * 1024 ** 3;

/**
 * A failure of the engine said in the user's terms: a wasm trap once the heap has grown to (nearly)
 * its 4 GiB cap is the model and batch not fitting, not a bug. Anything else is returned as it is.
 */
export function explainEngineFailure(err: unknown): unknown {
  if (!(err instanceof WebAssembly.RuntimeError) || current?.tfBackend !== 'wasm') return err;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
  if (heap < 0.9 * WASM_HEAP_LIMIT) return err;
  const gib = (heap / 1024 ** 3).toFixed(1);
  return new BackendError(`the engine's wasm heap is full (${gib} GiB, wasm32's limit is 4): this model and batch need more memory than it holds (${err.message})`, {
    hint: current.name === 'native'
      ? 'run with DEMI_NATIVE_HOST=cpu (native kernels on the cpu backend\'s memory, no 4 GiB cap), or a smaller batch or model'
      : 'build the native kernels (npm run build:native) and run with DEMI_NATIVE_HOST=cpu, or use a smaller batch or model',
  });
}
