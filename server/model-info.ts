/** Facts about the loaded model and engine, as /health, /v1/models and the client show them. */
export interface ModelInfo {
  /** The id clients see (OpenAI `model`). */
  id: string;
  dir: string;
  /** threads: the native kernels' thread count (OpenBLAS and the row team), null on other backends. */
  backend: { name: string; tfBackend: string; nativeKernels: boolean; threads: number | null };
  /**
   * What decodes: 'tfjs' (the backend above), or 'onnx' (onnxruntime-node, its version and intra-op
   * thread count; null threads: onnxruntime's default). The rerank critic runs on the backend above.
   */
  runtime: { name: 'tfjs' } | { name: 'onnx'; onnxruntime: string; intraOpNumThreads: number | null };
  architecture: { vocabSize: number; blockSize: number; nLayer: number; nHead: number; dModel: number };
  parameters: number;
  tokenizer: string;
  /** Default and largest `max_tokens`. */
  maxResponseTokens: number;
  maxTokensLimit: number;
  /** Whether the checkpoint has a trained DEMI critic. */
  demiCritic: boolean;
  /** Data licence note (e.g. DailyDialog's CC BY-NC-SA 4.0), when the checkpoint has one. */
  license?: string;
  /** When the model finished loading (ms since epoch). */
  loadedAt: number;
  loadMs: number;
}

/** The largest `max_tokens` a request may ask for: leaves at least 1/8 of the block for context. */
export function maxTokensLimit(blockSize: number): number {
  return Math.max(1, blockSize - Math.ceil(blockSize / 8));
}
