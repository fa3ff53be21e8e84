/**
 * The GPT of gpt.ts as an ONNX graph (opset 17), written from TypeScript with onnx-proto, so that
 * onnxruntime and transformers.js run a demi model without Python (docs/ARCHITECTURE.md §5).
 *
 * The graph's interface is the one transformers.js 4.x and Optimum give a decoder with a KV cache:
 *   inputs  input_ids, attention_mask [batch, past + sequence] (1 = real token, 0 = padding),
 *           position_ids, past_key_values.{i}.key / .value [batch, heads, past, headDim]
 *   outputs logits [batch, sequence, vocab], present.{i}.key / .value [batch, heads, past + sequence, headDim]
 * transformers.js feeds zero-length pasts on the first step and the presents back afterwards.
 *
 * The arithmetic is gpt.ts's: pre-LayerNorm blocks with the config's epsilon, tanh-GELU (GPT-2's
 * "gelu_new", written out because Gelu with approximate="tanh" needs opset 20), attention scores scaled
 * by 1/sqrt(headDim) with masked keys at -1e30 (a finite value, so a row with every key masked, a
 * padding query, stays finite as it does in gpt.ts), and the LM head tied to wte. A key is visible to
 * a query when it is not later in the sequence and its attention_mask entry is 1.
 */
import onnxProto from 'onnx-proto';
import { float32ArrayToFloat16 } from '../../core/index.js';
import { GPTShapeError } from '../errors.js';
import { parameterShapes, type GPTConfig } from './gpt.js';

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

export const ONNX_OPSET = 17;
/** IR version 8 (ONNX 1.10-1.12): what onnx-proto's schema describes and onnxruntime reads with opset 17. */
const IR_VERSION = 8;
const MASKED = -1e30;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** How the weights are stored: float16 halves the file; the graph casts them back and computes in float32. */
export type OnnxWeightDtype = 'float32' | 'float16';

export interface GptOnnxOptions {
  weightDtype?: OnnxWeightDtype;
  /** Recorded in the model's producer fields. */
  producerName?: string;
  /**
   * 'every' (default, what transformers.js expects): `logits` [batch, sequence, vocab]. 'last': logits of
   * the last position only, [batch, 1, vocab], all a decoder reads: the LM head runs over one position
   * instead of every prompt position (onnxruntime decoding, model/generation/onnx-decoder.ts).
   */
  logitsPositions?: 'every' | 'last';
}

/** The input and output names of the exported graph for a model of `nLayer` blocks. */
export function onnxCacheNames(nLayer: number): { pastKeys: string[]; pastValues: string[]; presentKeys: string[]; presentValues: string[] } {
  const layers = Array.from({ length: nLayer }, (_, i) => i);
  return {
    pastKeys: layers.map((i) => `past_key_values.${i}.key`),
    pastValues: layers.map((i) => `past_key_values.${i}.value`),
    presentKeys: layers.map((i) => `present.${i}.key`),
    presentValues: layers.map((i) => `present.${i}.value`),
  };
}

type Dim = number | string;
type AttributeValue = number | number[] | { float: number };

/** Nodes, initializers and value infos of one graph, with fresh names for intermediate values. */
class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private count = 0;

  /** Adds a node and returns the names of its outputs (`outputs` of them). */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = 1, names?: string[]): string[] {
    const outs = names ?? Array.from({ length: outputs }, () => `${opType.toLowerCase()}_${this.count++}`);
    const attribute = Object.entries(attributes).map(([name, value]): onnxProto.onnx.IAttributeProto => {
      if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
      if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
      return { name, type: AttributeType.INT, i: value };
    });
    this.nodes.push({ opType, input: inputs, output: outs, attribute, name: `${opType}_${this.nodes.length}` });
    return outs;
  }

  /** Single-output form of `op`. */
  one(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, name?: string): string {
    return this.op(opType, inputs, attributes, 1, name === undefined ? undefined : [name])[0];
  }

  int64(name: string, values: readonly number[], dims: number[] = [values.length]): string {
    this.initializers.push({ name, dataType: DataType.INT64, dims, int64Data: [...values] });
    return name;
  }

  float(name: string, values: Float32Array, dims: number[], dtype: OnnxWeightDtype = 'float32'): string {
    if (dtype === 'float16') {
      const half = float32ArrayToFloat16(values);
      this.initializers.push({ name: `${name}.f16`, dataType: DataType.FLOAT16, dims, rawData: new Uint8Array(half.buffer, half.byteOffset, half.byteLength) });
      return this.one('Cast', [`${name}.f16`], { to: DataType.FLOAT }, name);
    }
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  }

  scalar(name: string, value: number): string {
    return this.float(name, Float32Array.of(value), []);
  }
}

function valueInfo(name: string, elemType: number, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/**
 * The serialized ONNX model (a ModelProto) of a GPT with `config` and `weights` (HF GPT-2 names, the
 * layouts of gpt.ts: Conv1D weights [in, out]). Throws GPTShapeError for a missing or misshapen weight.
 */
export function gptToOnnx(config: GPTConfig, weights: ReadonlyMap<string, Float32Array>, options: GptOnnxOptions = {}): Uint8Array {
  const { vocabSize: V, dModel: D, nHead: H, nLayer, layerNormEpsilon: eps } = config;
  const dh = D / H;
  const dtype = options.weightDtype ?? 'float32';
  const g = new GraphBuilder();
  const shapes = parameterShapes(config);
  const weight = (name: string): string => {
    const shape = shapes.get(name)!;
    const data = weights.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!data) throw new GPTShapeError(`weights are missing parameter '${name}'`);
    if (data.length !== size) throw new GPTShapeError(`parameter '${name}' has ${data.length} values, expected shape [${shape}]`);
    // LayerNorm gains and biases are a rounding error of the file size; they stay float32.
    return g.float(name, data, shape, shape.length === 2 ? dtype : 'float32');
  };

  // Shapes that depend on the call: T new positions, S = past + T keys.
  const one64 = g.int64('const.one', [1], []);
  const zero64 = g.int64('const.zero', [0], []);
  const seqLen = g.one('Gather', [g.one('Shape', ['input_ids']), one64], { axis: 0 });
  const totalLen = g.one('Gather', [g.one('Shape', ['attention_mask']), one64], { axis: 0 });
  const pastLen = g.one('Sub', [totalLen, seqLen]);

  // The additive mask [batch, 1, T, S]: 0 where key j is visible to query t (j <= past + t and
  // attention_mask[b, j] = 1), MASKED elsewhere.
  const keyIndex = g.one('Range', [zero64, totalLen, one64]);
  const queryIndex = g.one('Unsqueeze', [g.one('Range', [pastLen, totalLen, one64]), g.int64('const.axes1', [1])]);
  const causal = g.one('LessOrEqual', [keyIndex, queryIndex]);
  const keyIsReal = g.one('Unsqueeze', [g.one('Cast', ['attention_mask'], { to: DataType.BOOL }), g.int64('const.axes12', [1, 2])]);
  const visible = g.one('And', [causal, keyIsReal]);
  const maskBias = g.one('Where', [visible, g.scalar('const.visible', 0), g.scalar('const.masked', MASKED)]);

  const wte = weight('transformer.wte.weight');
  let x = g.one('Add', [g.one('Gather', [wte, 'input_ids'], { axis: 0 }), g.one('Gather', [weight('transformer.wpe.weight'), 'position_ids'], { axis: 0 })]);

  const headsShape = g.int64('const.heads_shape', [0, 0, H, dh]);
  const modelShape = g.int64('const.model_shape', [0, 0, D]);
  const splitSizes = g.int64('const.qkv_split', [D, D, D]);
  const attentionScale = g.scalar('const.attention_scale', 1 / Math.sqrt(dh));
  const geluCubic = g.scalar('const.gelu_cubic', 0.044715);
  const geluScale = g.scalar('const.gelu_scale', SQRT_2_OVER_PI);
  const half = g.scalar('const.half', 0.5);
  const unit = g.scalar('const.unit', 1);
  const linear = (input: string, w: string, b: string) => g.one('Add', [g.one('MatMul', [input, weight(w)]), weight(b)]);
  const layerNorm = (input: string, prefix: string) =>
    g.one('LayerNormalization', [input, weight(`${prefix}.weight`), weight(`${prefix}.bias`)], { axis: -1, epsilon: { float: eps } });
  const toHeads = (t: string) => g.one('Transpose', [g.one('Reshape', [t, headsShape])], { perm: [0, 2, 1, 3] });
  const names = onnxCacheNames(nLayer);

  for (let i = 0; i < nLayer; i++) {
    const p = `transformer.h.${i}`;
    const qkv = linear(layerNorm(x, `${p}.ln_1`), `${p}.attn.c_attn.weight`, `${p}.attn.c_attn.bias`);
    const [q, k, v] = g.op('Split', [qkv, splitSizes], { axis: 2 }, 3).map(toHeads);
    const keys = g.one('Concat', [names.pastKeys[i], k], { axis: 2 }, names.presentKeys[i]);
    const values = g.one('Concat', [names.pastValues[i], v], { axis: 2 }, names.presentValues[i]);
    const scores = g.one('Mul', [g.one('MatMul', [q, g.one('Transpose', [keys], { perm: [0, 1, 3, 2] })]), attentionScale]);
    const probs = g.one('Softmax', [g.one('Add', [scores, maskBias])], { axis: -1 });
    const attended = g.one('Reshape', [g.one('Transpose', [g.one('MatMul', [probs, values])], { perm: [0, 2, 1, 3] }), modelShape]);
    x = g.one('Add', [x, linear(attended, `${p}.attn.c_proj.weight`, `${p}.attn.c_proj.bias`)]);
    const hidden = linear(layerNorm(x, `${p}.ln_2`), `${p}.mlp.c_fc.weight`, `${p}.mlp.c_fc.bias`);
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as model/engine's gelu.
    const cube = g.one('Mul', [hidden, g.one('Mul', [hidden, hidden])]);
    const inner = g.one('Mul', [geluScale, g.one('Add', [hidden, g.one('Mul', [geluCubic, cube])])]);
    const activated = g.one('Mul', [g.one('Mul', [half, hidden]), g.one('Add', [unit, g.one('Tanh', [inner])])]);
    x = g.one('Add', [x, linear(activated, `${p}.mlp.c_proj.weight`, `${p}.mlp.c_proj.bias`)]);
  }
  const final = layerNorm(x, 'transformer.ln_f');
  const lastOnly = options.logitsPositions === 'last';
  const headInput = lastOnly ? g.one('Gather', [final, g.int64('const.last_position', [-1])], { axis: 1 }) : final;
  g.one('MatMul', [headInput, g.one('Transpose', [wte], { perm: [1, 0] })], {}, 'logits');

  const cacheInfo = (name: string, time: string) => valueInfo(name, DataType.FLOAT, ['batch_size', H, time, dh]);
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'demi-gpt2',
    node: g.nodes,
    initializer: g.initializers,
    input: [
      valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
      valueInfo('position_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      ...names.pastKeys.flatMap((key, i) => [cacheInfo(key, 'past_sequence_length'), cacheInfo(names.pastValues[i], 'past_sequence_length')]),
    ],
    output: [
      valueInfo('logits', DataType.FLOAT, ['batch_size', lastOnly ? 1 : 'sequence_length', V]),
      ...names.presentKeys.flatMap((key, i) => [cacheInfo(key, 'total_sequence_length'), cacheInfo(names.presentValues[i], 'total_sequence_length')]),
    ],
  };
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: options.producerName ?? 'demi',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
