/**
 * The GPT-2 architecture in one file, as nanoGPT keeps it: the config, the model (learned positions,
 * pre-LayerNorm blocks, GELU MLP, tied LM head, dropout), its KV cache and the LM loss. Weight names
 * follow Hugging Face GPT-2, so model.safetensors of a GPT-2 / DialoGPT checkpoint imports
 * (docs/ARCHITECTURE.md §5).
 */
import { z } from 'zod';
import { tf, dropout, gelu, layerNorm, causalSoftmax, variableArrays, sparseSoftmaxCrossEntropy } from '../engine/index.js';
import { describeIssues, SeededRandom } from '../../core/index.js';
import { GPTShapeError } from '../errors.js';

export const GPTConfigSchema = z.object({
  vocabSize: z.number().int().positive(),
  blockSize: z.number().int().positive(),
  nLayer: z.number().int().positive(),
  nHead: z.number().int().positive(),
  dModel: z.number().int().positive(),
  dropout: z.number().min(0).max(1).default(0),
  layerNormEpsilon: z.number().positive().default(1e-5),
}).refine((c) => c.dModel % c.nHead === 0, { message: 'dModel must be divisible by nHead', path: ['dModel'] });

export type GPTConfig = z.infer<typeof GPTConfigSchema>;

/** The reference model of the engine benchmark and the default dialogue model size. */
export const REFERENCE_CONFIG: GPTConfig = {
  vocabSize: 8000, blockSize: 128, nLayer: 6, nHead: 4, dModel: 256, dropout: 0, layerNormEpsilon: 1e-5,
};

// ---- the model

/**
 * A GPT-2 transformer in TF.js (docs/ARCHITECTURE.md §5): learned positions, pre-LayerNorm blocks, tanh-GELU MLP,
 * tied LM head, dropout. Weight names and layouts follow Hugging Face GPT-2 (Conv1D stores
 * [in, out]), so a GPT-2 / DialoGPT `model.safetensors` maps onto `variables` one to one.
 * Structure after nanoGPT's model.py; the heavy ops go through the engine's fused kernels.
 */
export interface ForwardOptions {
  /** Dropout on (needs `random`). */
  training?: boolean;
  random?: SeededRandom;
  /** Keys/values of earlier positions; this call appends its own. */
  cache?: KVCache;
  /**
   * Left-padded batch: row b's first leftPadding[b] positions of the whole sequence (cached ones
   * included) are filler. Real token i of a row gets position i (HF's position_ids from the
   * attention mask) and no query attends to filler, so each row computes what it computes alone.
   */
  leftPadding?: readonly number[];
}

const MASKED = -1e30;

/** Per-row positions and the additive attention mask (padding and future keys) of a left-padded batch. */
function paddingLayout(leftPadding: readonly number[], past: number, T: number, blockSize: number) {
  const B = leftPadding.length;
  const width = past + T;
  const positions = new Int32Array(B * T);
  const bias = new Float32Array(B * T * width);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const position = past + t - leftPadding[b];
      if (position >= blockSize) throw new GPTShapeError(`row ${b} reaches position ${position}, past the model's block size ${blockSize}`);
      positions[b * T + t] = Math.max(0, position);
      const row = (b * T + t) * width;
      for (let j = 0; j < width; j++) if (j < leftPadding[b] || j > past + t) bias[row + j] = MASKED;
    }
  }
  return { positions, bias, width };
}

/** HF GPT-2 parameter names of one block. */
export function blockParameterNames(i: number): string[] {
  const p = `transformer.h.${i}`;
  return [
    `${p}.ln_1.weight`, `${p}.ln_1.bias`, `${p}.attn.c_attn.weight`, `${p}.attn.c_attn.bias`,
    `${p}.attn.c_proj.weight`, `${p}.attn.c_proj.bias`, `${p}.ln_2.weight`, `${p}.ln_2.bias`,
    `${p}.mlp.c_fc.weight`, `${p}.mlp.c_fc.bias`, `${p}.mlp.c_proj.weight`, `${p}.mlp.c_proj.bias`,
  ];
}

/** Every parameter's HF name and shape for a config. */
export function parameterShapes(config: GPTConfig): Map<string, number[]> {
  const { vocabSize: V, blockSize: T, dModel: D, nLayer } = config;
  const shapes = new Map<string, number[]>([['transformer.wte.weight', [V, D]], ['transformer.wpe.weight', [T, D]]]);
  for (let i = 0; i < nLayer; i++) {
    const [ln1w, ln1b, attnW, attnB, projW, projB, ln2w, ln2b, fcW, fcB, mlpProjW, mlpProjB] = blockParameterNames(i);
    shapes.set(ln1w, [D]).set(ln1b, [D]).set(attnW, [D, 3 * D]).set(attnB, [3 * D]).set(projW, [D, D]).set(projB, [D])
      .set(ln2w, [D]).set(ln2b, [D]).set(fcW, [D, 4 * D]).set(fcB, [4 * D]).set(mlpProjW, [4 * D, D]).set(mlpProjB, [D]);
  }
  shapes.set('transformer.ln_f.weight', [D]).set('transformer.ln_f.bias', [D]);
  return shapes;
}

/**
 * One parameter as GPT-2 initialises it: zero biases, unit LayerNorm gains, N(0, 0.02) otherwise, the
 * residual output projections (c_proj weights) N(0, residualStd).
 */
export function gpt2InitialValues(name: string, size: number, random: SeededRandom, residualStd: number): Float32Array {
  if (name.endsWith('.bias')) return new Float32Array(size);
  if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) return new Float32Array(size).fill(1);
  return random.normalArray(size, /c_proj\.weight$/.test(name) ? residualStd : 0.02);
}

export class GPT {
  readonly config: GPTConfig;
  readonly variables: Record<string, tf.Variable>;

  /**
   * New weights drawn from `random` as GPT-2 initialises them (N(0, 0.02); residual projections
   * scaled by 1/sqrt(2 nLayer); zero biases; unit LayerNorm gains), or the given arrays.
   */
  constructor(config: GPTConfig, init: SeededRandom | Map<string, Float32Array>) {
    const parsed = GPTConfigSchema.safeParse(config);
    if (!parsed.success) throw new GPTShapeError(`invalid GPT config: ${describeIssues(parsed.error.issues)}`);
    this.config = parsed.data;
    this.variables = {};
    const residualStd = 0.02 / Math.sqrt(2 * this.config.nLayer);
    for (const [name, shape] of parameterShapes(this.config)) {
      const size = shape.reduce((a, b) => a * b, 1);
      let values: Float32Array;
      if (init instanceof Map) {
        const given = init.get(name);
        if (!given) throw new GPTShapeError(`weights are missing parameter '${name}'`);
        if (given.length !== size) throw new GPTShapeError(`parameter '${name}' has ${given.length} values, expected shape [${shape}]`);
        values = given;
      } else {
        values = gpt2InitialValues(name, size, init, residualStd);
      }
      const initial = tf.tensor(values, shape);
      // Unnamed: TF.js variable names are global, and two models (or a model and its copy) must coexist.
      this.variables[name] = tf.variable(initial, true);
      initial.dispose();
    }
  }

  get parameterCount(): number {
    return Object.values(this.variables).reduce((n, v) => n + v.size, 0);
  }

  private v(name: string): tf.Variable {
    return this.variables[name];
  }

  private dropout(x: tf.Tensor, options: ForwardOptions): tf.Tensor {
    const rate = this.config.dropout;
    if (!options.training || rate === 0) return x;
    if (!options.random) throw new Error('GPT.forward: training with dropout needs a SeededRandom');
    return dropout(x, rate, options.random.opSeed());
  }

  /** Linear layer with HF Conv1D layout: x [N, in] @ W [in, out] + b. */
  private linear(x: tf.Tensor2D, weight: string, bias: string): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: this.v(weight) as tf.Tensor2D, bias: this.v(bias) }) as tf.Tensor2D;
  }

  /**
   * Hidden states after the final LayerNorm, [batch, time, dModel], for token ids [batch, time].
   * With a cache, positions continue after the cached ones.
   */
  hidden(ids: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    const [B, T] = ids.shape;
    const { dModel: D, nHead: H, nLayer, blockSize, layerNormEpsilon: eps } = this.config;
    const past = options.cache?.length ?? 0;
    if (past + T > blockSize) {
      throw new GPTShapeError(`sequence of ${past + T} positions exceeds the model's block size ${blockSize}`);
    }
    if (ids.dtype !== 'int32') throw new GPTShapeError(`token ids must be int32, got ${ids.dtype}`);
    const padding = options.leftPadding;
    if (padding && padding.length !== B) throw new GPTShapeError(`leftPadding has ${padding.length} rows, the batch ${B}`);
    const layout = padding ? paddingLayout(padding, past, T, blockSize) : undefined;
    const dh = D / H;
    return tf.tidy(() => {
      const tokens = tf.gather(this.v('transformer.wte.weight'), tf.reshape(ids, [-1]));
      let x: tf.Tensor2D;
      let mask: tf.Tensor4D | undefined;
      if (layout) {
        x = tf.add(tokens, tf.gather(this.v('transformer.wpe.weight'), tf.tensor1d(layout.positions, 'int32'))) as tf.Tensor2D;
        mask = tf.tensor4d(layout.bias, [B, 1, T, layout.width]);
      } else {
        const positions = tf.slice(this.v('transformer.wpe.weight'), [past, 0], [T, D]);
        x = tf.reshape(tf.add(tf.reshape(tokens, [B, T, D]), positions), [B * T, D]) as tf.Tensor2D;
      }
      x = this.dropout(x, options) as tf.Tensor2D;
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
      // One tidy per layer: without a gradient tape a layer's intermediates (attention scores and probabilities,
      // [B, H, T, T] each) are freed before the next layer runs, instead of all nLayer sets living until the end
      // (the default model at 256 tokens: 2277 MiB of wasm heap for a batch of 64 before, 709 MiB after; batches
      // of 128 overflowed the 4 GiB heap). Under a tape the tensors
      // backprop needs are kept by the engine, so training is unchanged.
      for (let i = 0; i < nLayer; i++) x = tf.tidy(() => {
        const p = `transformer.h.${i}`;
        const h1 = layerNorm(x, this.v(`${p}.ln_1.weight`), this.v(`${p}.ln_1.bias`), eps) as tf.Tensor2D;
        const qkv = this.linear(h1, `${p}.attn.c_attn.weight`, `${p}.attn.c_attn.bias`);
        const [q, k, v] = tf.split(qkv, 3, 1).map(heads);
        const kv = options.cache ? options.cache.append(i, k, v) : { k, v };
        const scores = tf.matMul(q, kv.k, false, true);
        const attention = mask
          ? tf.softmax(tf.add(tf.mul(scores, 1 / Math.sqrt(dh)), mask))
          : causalSoftmax(scores, 1 / Math.sqrt(dh));
        const probs = this.dropout(attention, options);
        const attended = tf.reshape(tf.transpose(tf.matMul(probs, kv.v), [0, 2, 1, 3]), [B * T, D]) as tf.Tensor2D;
        const x1 = tf.add(x, this.dropout(this.linear(attended, `${p}.attn.c_proj.weight`, `${p}.attn.c_proj.bias`), options));
        const h2 = layerNorm(x1, this.v(`${p}.ln_2.weight`), this.v(`${p}.ln_2.bias`), eps) as tf.Tensor2D;
        const mlp = gelu(this.linear(h2, `${p}.mlp.c_fc.weight`, `${p}.mlp.c_fc.bias`));
        return tf.add(x1, this.dropout(this.linear(mlp, `${p}.mlp.c_proj.weight`, `${p}.mlp.c_proj.bias`), options)) as tf.Tensor2D;
      });
      const out = layerNorm(x, this.v('transformer.ln_f.weight'), this.v('transformer.ln_f.bias'), eps);
      return tf.reshape(out, [B, T, D]) as tf.Tensor3D;
    });
  }

  /** Next-token logits from hidden states through the tied embedding: [..., dModel] -> [..., vocab]. */
  logits(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const D = this.config.dModel;
      const flat = tf.reshape(hidden, [-1, D]) as tf.Tensor2D;
      const out = tf.matMul(flat, this.v('transformer.wte.weight') as tf.Tensor2D, false, true);
      return tf.reshape(out, [...hidden.shape.slice(0, -1), this.config.vocabSize]);
    });
  }

  /** Logits for every position, [batch, time, vocab]. */
  forward(ids: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.logits(this.hidden(ids, options)) as tf.Tensor3D);
  }

  /** Weights as HF-named Float32Arrays (for safetensors). */
  weights(): Map<string, { shape: number[]; data: Float32Array }> {
    return variableArrays(this.variables);
  }

  dispose(): void {
    for (const v of Object.values(this.variables)) v.dispose();
  }
}

// ---- KV cache

/**
 * Keys and values of earlier positions, per layer, so that generating a token costs one position's
 * work instead of re-running the whole window. Tensors are [batch, heads, time, headDim].
 */
export class KVCache {
  private keys: (tf.Tensor4D | null)[];
  private values: (tf.Tensor4D | null)[];

  constructor(readonly nLayer: number) {
    this.keys = new Array(nLayer).fill(null);
    this.values = new Array(nLayer).fill(null);
  }

  /** Positions already cached. */
  get length(): number {
    return this.keys[0]?.shape[2] ?? 0;
  }

  /** Appends this step's keys/values for a layer and returns the full ones (owned by the cache). */
  append(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): { k: tf.Tensor4D; v: tf.Tensor4D } {
    const oldK = this.keys[layer];
    const oldV = this.values[layer];
    const fullK = tf.keep(oldK ? tf.concat([oldK, k], 2) : k.clone());
    const fullV = tf.keep(oldV ? tf.concat([oldV, v], 2) : v.clone());
    oldK?.dispose();
    oldV?.dispose();
    this.keys[layer] = fullK;
    this.values[layer] = fullV;
    return { k: fullK, v: fullV };
  }

  /** Keeps only the given batch rows (beam search reorders hypotheses). */
  select(rows: number[]): void {
    const index = tf.tensor1d(rows, 'int32');
    for (let i = 0; i < this.nLayer; i++) {
      for (const store of [this.keys, this.values]) {
        const t = store[i];
        if (!t) continue;
        store[i] = tf.keep(tf.gather(t, index));
        t.dispose();
      }
    }
    index.dispose();
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(null);
    this.values.fill(null);
  }
}

// ---- LM loss

/**
 * Language-model loss: mean next-token cross-entropy over the positions whose label is >= 0.
 * Labels of -1 mark positions that do not count (context tokens, padding), so the loss is on
 * response tokens only (docs/ARCHITECTURE.md §5).
 */
export const IGNORE_LABEL = -1;

/** logits [batch, time, vocab], labels int32 [batch, time] -> {loss (scalar, mean nats), tokens}. */
export function lmLoss(logits: tf.Tensor3D, labels: tf.Tensor2D, labelValues?: Int32Array): { loss: tf.Scalar; tokens: number } {
  const values = labelValues ?? (labels.dataSync() as Int32Array);
  let tokens = 0;
  for (const v of values) if (v >= 0) tokens++;
  const loss = tf.tidy(() => tf.div(tf.sum(sparseSoftmaxCrossEntropy(logits, labels)), Math.max(tokens, 1)) as tf.Scalar);
  return { loss, tokens };
}
