/**
 * The one seeded random generator of the project (docs/ARCHITECTURE.md §3): every random choice (weight init,
 * dropout masks, data order, sampling, augmentations) draws from a SeededRandom, so the same seed
 * gives the same run. xoshiro128** is small, fast in 32-bit JS arithmetic, and its whole state is
 * four uint32 words, which a checkpoint stores to resume bit-for-bit.
 */

export type RandomState = [number, number, number, number];

function splitMix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class SeededRandom {
  private s: Uint32Array;
  private spareNormal: number | null = null;

  constructor(seed: number | RandomState) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) {
      this.s.set(seed.map((v) => v >>> 0));
    } else {
      if (!Number.isFinite(seed)) throw new Error(`SeededRandom: seed must be a finite number, got ${seed}`);
      const mix = splitMix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
      for (let i = 0; i < 4; i++) this.s[i] = mix();
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`SeededRandom.int: n must be positive, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A Float32Array of n normals with the given standard deviation. */
  normalArray(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** A Float32Array of n uniforms in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** A seed for a TF.js op that takes one (tf.dropout, tf.randomUniform), drawn from this stream. */
  opSeed(): number {
    return this.nextUint32();
  }

  /** An independent generator derived from this one (for a sub-task that must not shift this stream). */
  fork(): SeededRandom {
    return new SeededRandom([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()]);
  }

  getState(): RandomState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  setState(state: RandomState): void {
    this.s.set(state);
    this.spareNormal = null;
  }
}
