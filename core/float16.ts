/**
 * IEEE 754 half precision (F16) and bfloat16 (BF16) <-> float32 conversions for safetensors.
 * Plain bit arithmetic on typed arrays; no TensorFlow.js.
 *
 * float32 -> float16 rounds to nearest, ties to even (as numpy's astype(float16) and PyTorch's
 * .half() do): values at or above 65520 become +/-Infinity, values below the smallest subnormal's
 * half (2^-25) become a signed zero, NaN stays NaN (quiet, sign kept).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern (0..0xffff) nearest to `value` (rounded to float32 first). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;

  if (exp === 0xff) {
    // Inf or NaN. NaN keeps its top mantissa bits and is forced quiet so it never becomes Inf.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow (exponent alone already too large)
  if (e <= 0) {
    // Subnormal half (or zero). The value is (1.mant) * 2^(exp-127); as a half subnormal its
    // mantissa is value / 2^-24.
    if (e < -10) return sign; // below 2^-25: rounds to zero (2^-25 exactly is a tie -> even = 0)
    const m = mant | 0x800000; // implicit leading 1, 24 significant bits
    const shift = 14 - e; // 14..24
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    if (rem > half || (rem === half && (r & 1) === 1)) r += 1; // may carry into the normal range: fine
    return sign | r;
  }
  // Normal half: keep 10 of 23 mantissa bits, round to nearest even on the 13 dropped bits.
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1; // carry may reach 0x7c00 = Inf: correct
  return sign | h;
}

/** The float32 value of a float16 bit pattern (exact: every half is a float32). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float32 values -> float16 bit patterns (round to nearest even). */
export function float32ArrayToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

let f16Table: Float32Array | null = null;

/** float16 bit patterns -> Float32Array (table lookup: 65536 entries, built once). */
export function float16ToFloat32Array(bits: Uint16Array): Float32Array {
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = float16BitsToFloat32(i);
  }
  const table = f16Table;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** bfloat16 bit patterns -> Float32Array (exact: bf16 is the top half of a float32). */
export function bfloat16ToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** The largest finite float16 value. */
export const FLOAT16_MAX = 65504;

/**
 * The first value that float16 cannot hold (it would round to +/-Infinity: |v| >= 65520), as
 * `{index, value}`, or undefined. Values already infinite or NaN are not range problems and are
 * left to the caller's finiteness check.
 */
export function float16Overflow(values: ArrayLike<number>): { index: number; value: number } | undefined {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && Math.abs(Math.fround(v)) >= 65520) return { index: i, value: v };
  }
  return undefined;
}

/** A copy with every finite value clamped to [-65504, 65504]. */
export function clampToFloat16Range(values: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(values);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, out[i]));
  return out;
}
