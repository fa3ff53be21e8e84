/** Kernel names of the project's fused ops (registered natively; composed from TF.js ops elsewhere). */
export const SPARSE_CE = 'DemiSparseSoftmaxCE';
export const SPARSE_CE_GRAD = 'DemiSparseSoftmaxCEGrad';
export const GELU = 'DemiGelu';
export const GELU_GRAD = 'DemiGeluGrad';
export const LAYER_NORM = 'DemiLayerNorm';
export const LAYER_NORM_GRAD = 'DemiLayerNormGrad';
export const CAUSAL_SOFTMAX = 'DemiCausalSoftmax';
export const SOFTMAX_GRAD = 'DemiSoftmaxGrad';
export const ADAMW = 'DemiAdamW';
