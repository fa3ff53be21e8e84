/**
 * Decoding through onnxruntime (`demi generate --runtime onnx`, docs/ARCHITECTURE.md §6): the GPT's
 * ONNX graph (model/transformer/onnx.ts) in an onnxruntime-node session, its KV cache being the
 * graph's `present.{i}` outputs fed back as `past_key_values.{i}`. Rows are left-padded as the TF.js
 * Decoder pads them (attention_mask 0 on filler, real token i at position i), so every row decodes what
 * its prompt alone decodes, and `select` gathers cache rows for finished sequences and beam search.
 *
 * onnxruntime-node is loaded when a session is made, not when model/generation is imported: the
 * server and the TF.js path never load it.
 */
import type * as Ort from 'onnxruntime-node';
import type { GPT, GPTConfig } from '../transformer/index.js';
import { gptToOnnx, onnxCacheNames } from '../transformer/index.js';
import { threadsFromEnvironment } from '../engine/index.js';
import type { DecoderFactory, StepDecoder } from './decoder.js';

type OrtModule = typeof Ort;
type Outputs = Ort.InferenceSession.OnnxValueMapType;

/** A StepDecoder over one onnxruntime session (one `generate` call). */
export class OnnxDecoder implements StepDecoder {
  private rows: number[][];
  /** Filler positions at the front of every row (the cache keeps them, masked). */
  private pads: number[];
  /** The presents of the last run: [rows, heads, positions, headDim] per layer, keys then values. */
  private cache: { keys: Float32Array[]; values: Float32Array[]; length: number } | undefined;
  private started = false;
  private readonly names: ReturnType<typeof onnxCacheNames>;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly config: GPTConfig,
    prompts: readonly (readonly number[])[],
    private readonly useCache = true,
    /** Counts this decoder's session runs (the OnnxRuntime's `runs`). */
    private readonly counter?: { runs: number },
  ) {
    if (prompts.length === 0) throw new Error('OnnxDecoder: no prompts');
    this.rows = prompts.map((p) => [...p]);
    const width = Math.max(...prompts.map((p) => p.length));
    this.pads = prompts.map((p) => width - p.length);
    this.names = onnxCacheNames(config.nLayer);
  }

  get batchSize(): number {
    return this.rows.length;
  }

  async prefill(): Promise<Float32Array> {
    if (this.started) throw new Error('OnnxDecoder.prefill called twice');
    this.started = true;
    return this.runWhole();
  }

  async step(tokens: readonly number[]): Promise<Float32Array> {
    if (!this.started) throw new Error('OnnxDecoder.step before prefill');
    if (tokens.length !== this.rows.length) throw new Error(`OnnxDecoder.step: ${tokens.length} tokens for ${this.rows.length} rows`);
    tokens.forEach((t, r) => this.rows[r].push(t));
    if (!this.useCache || !this.cache) return this.runWhole();
    const past = this.cache.length;
    return this.run(tokens.map((t) => [t]), past);
  }

  select(rows: readonly number[]): void {
    if (rows.length === this.rows.length && rows.every((r, i) => r === i)) return;
    this.rows = rows.map((r) => [...this.rows[r]]);
    this.pads = rows.map((r) => this.pads[r]);
    if (!this.cache) return;
    const rowSize = this.rowSize();
    const gather = (all: Float32Array) => {
      const out = new Float32Array(rows.length * rowSize);
      rows.forEach((r, i) => out.set(all.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
      return out;
    };
    this.cache = { keys: this.cache.keys.map(gather), values: this.cache.values.map(gather), length: this.cache.length };
  }

  dispose(): void {
    this.cache = undefined;
  }

  /** Cache values per row of one layer: heads * positions * headDim. */
  private rowSize(): number {
    const { nHead, dModel } = this.config;
    return nHead * this.cache!.length * (dModel / nHead);
  }

  /** The whole (left-padded) rows from an empty cache: the prompt pass, and every step without a cache. */
  private runWhole(): Promise<Float32Array> {
    const width = Math.max(...this.rows.map((r) => r.length));
    this.pads = this.rows.map((r) => width - r.length);
    this.cache = undefined;
    return this.run(this.rows.map((r, b) => [...new Array<number>(this.pads[b]).fill(0), ...r]), 0);
  }

  /** Runs `ids` (equal-length rows) after `past` cached positions; returns the last position's logits per row. */
  private async run(ids: number[][], past: number): Promise<Float32Array> {
    const { Tensor } = this.ort;
    const B = ids.length;
    const T = ids[0].length;
    const { nLayer, nHead, dModel, vocabSize: V } = this.config;
    const total = past + T;
    const mask = new BigInt64Array(B * total);
    const positions = new BigInt64Array(B * T);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < total; j++) mask[b * total + j] = j < this.pads[b] ? 0n : 1n;
      // As the TF.js Decoder: real token i of a row at position i; filler at 0 (masked, never attended).
      for (let t = 0; t < T; t++) positions[b * T + t] = BigInt(Math.max(0, past + t - this.pads[b]));
    }
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [B, T]),
      attention_mask: new Tensor('int64', mask, [B, total]),
      position_ids: new Tensor('int64', positions, [B, T]),
    };
    const cacheShape = [B, nHead, past, dModel / nHead];
    for (let i = 0; i < nLayer; i++) {
      feeds[this.names.pastKeys[i]] = new Tensor('float32', this.cache?.keys[i] ?? new Float32Array(0), cacheShape);
      feeds[this.names.pastValues[i]] = new Tensor('float32', this.cache?.values[i] ?? new Float32Array(0), cacheShape);
    }
    const out: Outputs = await this.session.run(feeds);
    if (this.counter) this.counter.runs++;
    if (this.useCache) {
      const data = (name: string) => (out[name] as Ort.Tensor).data as Float32Array;
      this.cache = { keys: this.names.presentKeys.map(data), values: this.names.presentValues.map(data), length: total };
    }
    // [B, positions, V]: every position of the run, or the last one only (the graph onnxRuntimeDecoder builds)
    const logits = out.logits as Ort.Tensor;
    const positionsOut = logits.dims[1];
    const values = logits.data as Float32Array;
    const last = new Float32Array(B * V);
    for (let b = 0; b < B; b++) last.set(values.subarray((b * positionsOut + positionsOut - 1) * V, (b * positionsOut + positionsOut) * V), b * V);
    return last;
  }
}

/** An onnxruntime session of `model`'s weights, and the DecoderFactory that decodes through it. */
export interface OnnxRuntime {
  decoder: DecoderFactory;
  /** The intra-op thread count the session was made with; null: onnxruntime's default. */
  intraOpNumThreads: number | null;
  /** onnxruntime-node's version. */
  version: string;
  /** Forward passes run in the session so far (prompt passes and steps of every decoder it made). */
  readonly runs: number;
  release(): Promise<void>;
}

export interface OnnxRuntimeOptions {
  /**
   * onnxruntime's intra-op thread pool (its matmuls). Default: DEMI_THREADS when set, so that the two
   * runtimes compute at the same thread count (the native engine's kernels follow DEMI_THREADS too);
   * unset, onnxruntime's own default (one thread per physical core).
   */
  intraOpNumThreads?: number;
}

/**
 * Builds the ONNX graph of `model` (float32, its current weights; the export's graph, with the LM head
 * over the last position only) and opens it in onnxruntime-node.
 */
export async function onnxRuntimeDecoder(model: GPT, options: OnnxRuntimeOptions = {}): Promise<OnnxRuntime> {
  // A CommonJS package: its exports are the namespace's or its default's, depending on the loader.
  const imported = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
  const ort = imported.InferenceSession ? imported : imported.default!;
  const weights = new Map([...model.weights()].map(([name, { data }]) => [name, data]));
  const intraOpNumThreads = options.intraOpNumThreads ?? threadsFromEnvironment();
  // One graph, run one call at a time: no inter-op parallelism to buy.
  const sessionOptions: Ort.InferenceSession.SessionOptions = { interOpNumThreads: 1, ...(intraOpNumThreads ? { intraOpNumThreads } : {}) };
  // The LM head over the last position only: decoding never reads the others' logits.
  const session = await ort.InferenceSession.create(gptToOnnx(model.config, weights, { logitsPositions: 'last' }), sessionOptions);
  const counter = { runs: 0 };
  return {
    decoder: (prompts, useCache) => new OnnxDecoder(ort, session, model.config, prompts, useCache, counter),
    intraOpNumThreads: intraOpNumThreads ?? null,
    version: ort.env.versions.node ?? 'unknown',
    get runs() {
      return counter.runs;
    },
    release: () => session.release(),
  };
}
