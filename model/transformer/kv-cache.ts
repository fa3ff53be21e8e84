/**
 * Keys and values of earlier positions, per layer, so that generating a token costs one position's
 * work instead of re-running the whole window. Tensors are [batch, heads, time, headDim].
 */
import { tf } from '../engine/index.js';

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
