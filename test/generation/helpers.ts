/** Toy tokenizers and models for the generation tests. */
import { tf } from '../../model/engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { GPT, type GPTConfig, type KVCache } from '../../model/transformer/index.js';
import type { TokenDecoder } from '../../model/generation/index.js';

/** Byte-level: id = one UTF-8 byte (0..255), 256 = EOS (renders as nothing). Multi-byte characters span tokens. */
export const BYTE_EOS = 256;
export const byteTokenizer: TokenDecoder & { encode(text: string): number[] } = {
  decode: (ids) => new TextDecoder().decode(Uint8Array.from(ids.filter((i) => i < 256))),
  encode: (text) => [...new TextEncoder().encode(text)],
};

/** One lower-case letter per id (id mod 26): every token is a whole character. */
export const letterTokenizer: TokenDecoder = {
  decode: (ids) => ids.map((i) => String.fromCharCode(97 + (i % 26))).join(''),
};

export function tinyConfig(vocabSize: number, blockSize = 32): GPTConfig {
  return { vocabSize, blockSize, nLayer: 1, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 };
}

/**
 * A random tiny GPT. With GPT-2's N(0, 0.02) init and the tied LM head, greedy decoding just repeats
 * one token; larger position embeddings (x10) and token embeddings (x2) make its greedy output vary
 * along the sequence and with the prompt, so comparisons (cache on/off, batch vs alone) mean something.
 */
export function tinyModel(vocabSize: number, seed = 1, blockSize = 32): GPT {
  const model = new GPT(tinyConfig(vocabSize, blockSize), new SeededRandom(seed));
  for (const [name, factor] of [['transformer.wte.weight', 2], ['transformer.wpe.weight', 10]] as const) {
    const w = model.variables[name];
    const scaled = tf.tidy(() => tf.mul(w, factor));
    w.assign(scaled);
    scaled.dispose();
  }
  return model;
}

/**
 * A fake "GPT" whose next-token logits depend only on the last token: logits(row) = table[lastToken].
 * Enough of GPT's surface for the Decoder's equal-length path (config, hidden with a cache, logits):
 * beam search on it can be worked out by hand.
 */
export function markovModel(table: number[][], blockSize = 16): GPT {
  const V = table.length;
  const matrix = tf.tensor2d(table.flat(), [V, V]);
  const fake = {
    config: { vocabSize: V, blockSize, nLayer: 1, nHead: 1, dModel: V, dropout: 0, layerNormEpsilon: 1e-5 },
    variables: {},
    hidden(ids: tf.Tensor2D, options: { cache?: KVCache } = {}): tf.Tensor3D {
      return tf.tidy(() => {
        const [B, T] = ids.shape;
        if (options.cache) {
          const past = options.cache.length;
          if (past + T > blockSize) throw new Error('markovModel: past the block size');
          options.cache.append(0, tf.zeros([B, 1, T, 1]), tf.zeros([B, 1, T, 1]));
        }
        return tf.oneHot(ids, V).toFloat() as tf.Tensor3D;
      });
    },
    logits(hidden: tf.Tensor): tf.Tensor {
      return tf.tidy(() => {
        const last = tf.argMax(hidden, -1);
        return tf.gather(matrix, last);
      });
    },
    dispose() { matrix.dispose(); },
  };
  return fake as unknown as GPT;
}
