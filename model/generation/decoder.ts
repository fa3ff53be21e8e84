/**
 * Runs the model for a batch of sequences one token at a time and hands back only next-token
 * logits, [rows, vocab] as one Float32Array (the last position only: the prompt pass slices its
 * last position *before* the LM head, so the [B, T, V] logits of the prompt are never computed).
 * - prompts of equal length: `GPT.hidden` with the transformer's KVCache (one [B, 1] forward per
 *   token), or without a cache the whole sequence again each token (`useCache: false`);
 * - prompts of different lengths: left-padding through `paddedHidden` (below: masked padding,
 *   per-row positions), with or without the cache, so every row computes what its prompt alone
 *   computes.
 * `select(rows)` keeps/reorders/duplicates rows (finished sequences leave the batch; beam search
 * reorders beams), the KV cache included.
 */
import { tf } from '../engine/index.js';
import { KVCache, type GPT } from '../transformer/index.js';
import { GenerationInputError } from '../errors.js';

/**
 * What the decoding loops need of a model runtime: next-token logits of every row, [rows * vocab],
 * after the prompts and after each appended token, and rows kept / reordered / duplicated. `Decoder`
 * (below) is the TF.js one; model/generation/onnx-decoder.ts runs the exported ONNX graph in onnxruntime.
 */
export interface StepDecoder {
  readonly batchSize: number;
  prefill(): Float32Array | Promise<Float32Array>;
  step(tokens: readonly number[]): Float32Array | Promise<Float32Array>;
  select(rows: readonly number[]): void;
  dispose(): void;
}

/** Makes the StepDecoder of one `generate` call for its (checked, truncated) prompts. */
export type DecoderFactory = (prompts: readonly (readonly number[])[], useCache: boolean) => StepDecoder;

export class Decoder implements StepDecoder {
  /** Real tokens of every row (prompt, then every token passed to `step`). */
  private rows: number[][];
  /** Left padding of every row (padded mode only; all zero otherwise). */
  private pads: number[];
  private readonly cache: KVCache | undefined;
  readonly padded: boolean;
  private started = false;

  constructor(private readonly model: GPT, prompts: readonly (readonly number[])[], readonly useCache = true) {
    if (prompts.length === 0) throw new Error('Decoder: no prompts');
    this.rows = prompts.map((p) => [...p]);
    const width = Math.max(...prompts.map((p) => p.length));
    this.padded = prompts.some((p) => p.length !== width);
    this.pads = prompts.map((p) => width - p.length);
    this.cache = useCache ? new KVCache(model.config.nLayer) : undefined;
  }

  get batchSize(): number {
    return this.rows.length;
  }

  /** Logits after the prompts, [rows * vocab]. */
  prefill(): Float32Array {
    if (this.started) throw new Error('Decoder.prefill called twice');
    this.started = true;
    return this.run(this.paddedIds(this.rows));
  }

  /** Appends one token per row and returns the next logits, [rows * vocab]. */
  step(tokens: readonly number[]): Float32Array {
    if (!this.started) throw new Error('Decoder.step before prefill');
    if (tokens.length !== this.rows.length) throw new Error(`Decoder.step: ${tokens.length} tokens for ${this.rows.length} rows`);
    tokens.forEach((t, r) => this.rows[r].push(t));
    if (!this.cache) return this.run(this.paddedIds(this.rows));
    return this.run({ ids: tokens.map((t) => [t]), pads: this.pads });
  }

  /** Keeps the given rows, in this order (indices may repeat). */
  select(rows: readonly number[]): void {
    const identity = rows.length === this.rows.length && rows.every((r, i) => r === i);
    if (identity) return;
    this.rows = rows.map((r) => [...this.rows[r]]);
    this.pads = rows.map((r) => this.pads[r]);
    this.cache?.select([...rows]);
  }

  dispose(): void {
    this.cache?.dispose();
  }

  /** Left-pads full sequences (uncached steps and the prompt pass). */
  private paddedIds(rows: readonly (readonly number[])[]): { ids: number[][]; pads: number[] } {
    const width = Math.max(...rows.map((r) => r.length));
    const pads = rows.map((r) => width - r.length);
    if (this.cache) this.pads = pads;
    return { ids: rows.map((r, i) => [...new Array<number>(pads[i]).fill(0), ...r]), pads };
  }

  private run({ ids, pads }: { ids: number[][]; pads: number[] }): Float32Array {
    const B = ids.length;
    const T = ids[0].length;
    const { dModel: D, vocabSize: V } = this.model.config;
    const logits = tf.tidy(() => {
      const input = tf.tensor2d(ids.flat(), [B, T], 'int32');
      const hidden = this.padded || pads.some((p) => p > 0)
        ? paddedHidden(this.model, input, pads, this.cache)
        : this.model.hidden(input, { cache: this.cache });
      const last = T === 1 ? hidden : tf.slice(hidden, [0, T - 1, 0], [B, 1, D]);
      return this.model.logits(last);
    });
    try {
      const data = logits.dataSync() as Float32Array;
      if (data.length !== B * V) throw new Error(`Decoder: expected ${B * V} logits, got ${data.length}`);
      return data.slice(); // a copy: processors write into it, and a backend may hand out its own storage
    } finally {
      logits.dispose();
    }
  }
}

/**
 * Hidden states of a LEFT-PADDED batch (row b starts with pads[b] filler ids): the transformer's own
 * forward with per-row positions and a padding mask, so each row computes what its prompt alone does.
 */
export function paddedHidden(model: GPT, ids: tf.Tensor2D, pads: readonly number[], cache?: KVCache): tf.Tensor3D {
  if (pads.length !== ids.shape[0]) throw new GenerationInputError(`paddedHidden: ${pads.length} pad counts for ${ids.shape[0]} rows`);
  return model.hidden(ids, { cache, leftPadding: pads });
}
