export { tf, variableArrays, type Tensor } from './tf.js';
export { selectBackend, backendInfo, explainEngineFailure, nativeHostFromEnvironment, BACKEND_NAMES, NATIVE_HOSTS, type BackendInfo, type BackendName } from './backend.js';
export { BackendError } from '../errors.js';
export { AdamW, clipByGlobalNorm, type AdamWConfig, type AdamWState } from './adamw.js';
export { gelu, dropout, dropoutKeeps, layerNorm, causalSoftmax, sparseSoftmaxCrossEntropy } from './fused-ops.js';
export { loadNativeAddon, detectCoreType, threadsFromEnvironment } from './native/addon.js';
export { restoreKernels } from './kernels/register.js';
