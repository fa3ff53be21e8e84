/**
 * GPT hidden states for a LEFT-PADDED batch: row b holds `pads[b]` filler ids and then its real
 * tokens. `GPT.hidden` (model/transformer) has no attention mask or per-row positions, so a padded
 * row would attend to its padding and start its positions at the wrong place; this is the same
 * computation as `GPT.hidden` (same parameters, same engine ops: LayerNorm, fused MatMul, GELU),
 * with two changes that make a padded row compute what the prompt alone computes:
 * - positions are per row: the real token i of row b gets position i (HF's `position_ids` from
 *   `attention_mask.cumsum(-1) - 1`); padding gets position 0 (its output is never read);
 * - attention adds -1e30 to the scores of padding keys as well as future keys, so they get
 *   probability exactly 0 (the engine's composed causal softmax uses the same bias).
 * A test holds it to `GPT.hidden` on an unpadded batch. It belongs in `GPT.hidden` as
 * `{attentionMask, positionIds}` options; until the transformer has them it lives here, used only
 * for batches whose prompts have different lengths.
 */
import { tf, gelu, layerNorm } from '../engine/index.js';
import { blockParameterNames, type GPT, type KVCache } from '../transformer/index.js';
import { GenerationInputError } from './errors.js';

const MASKED = -1e30;

/**
 * Hidden states after the final LayerNorm, [batch, time, dModel], for ids [batch, time] where row b's
 * first `pads[b]` positions of the *whole* sequence (cached positions included) are padding. With a
 * cache, this call's tokens follow the cached ones.
 */
export function paddedHidden(model: GPT, ids: tf.Tensor2D, pads: readonly number[], cache?: KVCache): tf.Tensor3D {
  const [B, T] = ids.shape;
  const { dModel: D, nHead: H, nLayer, blockSize, layerNormEpsilon: eps } = model.config;
  if (pads.length !== B) throw new GenerationInputError(`paddedHidden: ${pads.length} pad counts for ${B} rows`);
  if (ids.dtype !== 'int32') throw new GenerationInputError(`token ids must be int32, got ${ids.dtype}`);
  const past = cache?.length ?? 0;
  const width = past + T;
  const positions = new Int32Array(B * T);
  const bias = new Float32Array(B * T * width);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const position = past + t - pads[b];
      if (position >= blockSize) {
        throw new GenerationInputError(`row ${b} reaches position ${position}, past the model's block size ${blockSize}`);
      }
      positions[b * T + t] = Math.max(0, position);
      const rowBias = (b * T + t) * width;
      for (let j = 0; j < width; j++) if (j < pads[b] || j > past + t) bias[rowBias + j] = MASKED;
    }
  }
  const v = (name: string) => model.variables[name];
  const dh = D / H;
  return tf.tidy(() => {
    const tokens = tf.gather(v('transformer.wte.weight'), tf.reshape(ids, [-1]));
    const pos = tf.gather(v('transformer.wpe.weight'), tf.tensor1d(positions, 'int32'));
    let x = tf.add(tokens, pos) as tf.Tensor2D;
    const mask = tf.tensor4d(bias, [B, 1, T, width]);
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
    const linear = (input: tf.Tensor2D, weight: string, biasName: string) =>
      tf.fused.matMul({ a: input, b: v(weight) as tf.Tensor2D, bias: v(biasName) }) as tf.Tensor2D;
    for (let i = 0; i < nLayer; i++) {
      const [ln1w, ln1b, attnW, attnB, projW, projB, ln2w, ln2b, fcW, fcB, mlpProjW, mlpProjB] = blockParameterNames(i);
      const h1 = layerNorm(x, v(ln1w), v(ln1b), eps) as tf.Tensor2D;
      const [q, k, val] = tf.split(linear(h1, attnW, attnB), 3, 1).map(heads);
      const kv = cache ? cache.append(i, k, val) : { k, v: val };
      const scores = tf.add(tf.mul(tf.matMul(q, kv.k, false, true), 1 / Math.sqrt(dh)), mask);
      const attended = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), kv.v), [0, 2, 1, 3]), [B * T, D]) as tf.Tensor2D;
      x = tf.add(x, linear(attended, projW, projB));
      const h2 = layerNorm(x, v(ln2w), v(ln2b), eps) as tf.Tensor2D;
      x = tf.add(x, linear(gelu(linear(h2, fcW, fcB)), mlpProjW, mlpProjB));
    }
    const out = layerNorm(x, v('transformer.ln_f.weight'), v('transformer.ln_f.bias'), eps);
    return tf.reshape(out, [B, T, D]) as tf.Tensor3D;
  });
}
