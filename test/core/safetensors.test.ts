import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, readSafetensors, readSafetensorsFile, readSafetensorsHeader, serializeSafetensors, writeSafetensors, SafetensorsCorruptError, SafetensorsDtypeError, SafetensorsInputError, bfloat16ToFloat32Array, float16BitsToFloat32, float16ToFloat32Array, float32ToFloat16Bits } from '../../core/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'safetensors');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demi-safetensors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a raw safetensors file from a header object and a data section. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('reading a file written by Python (fixtures/safetensors/make_fixtures.py)', () => {
  it('returns every dtype with the right shapes, values and metadata', async () => {
    const path = join(FIXTURES, 'reference.safetensors');
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'reference.expected.json'), 'utf8'));
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ format: 'pt', note: 'made by make_fixtures.py' });
    // file order = offset order
    expect([...tensors.keys()]).toEqual([
      'h.0.attn.c_attn.weight', 'transformer.wte.weight', 'empty', 'positions', 'h.0.ln_1.weight', 'step',
    ]);
    const wte = tensors.get('transformer.wte.weight')!;
    expect(wte.dtype).toBe('F32');
    expect(wte.shape).toEqual([2, 3]);
    expect(Array.from(wte.data as Float32Array)).toEqual(
      (expected['transformer.wte.weight'] as number[]).map((v) => Math.fround(v)),
    );
    const half = tensors.get('h.0.attn.c_attn.weight')!;
    expect(half.dtype).toBe('F16');
    expect(half.data).toBeInstanceOf(Float32Array);
    expect(Array.from(half.data as Float32Array)).toEqual(expected['h.0.attn.c_attn.weight']);
    expect(Object.is((half.data as Float32Array)[5], -0)).toBe(true);
    const bf = tensors.get('h.0.ln_1.weight')!;
    expect(bf.dtype).toBe('BF16');
    expect(Array.from(bf.data as Float32Array)).toEqual((expected['h.0.ln_1.weight'] as number[]).map(Math.fround));
    const pos = tensors.get('positions')!;
    expect(pos.dtype).toBe('I32');
    expect(Array.from(pos.data as Int32Array)).toEqual(expected.positions);
    const step = tensors.get('step')!;
    expect(step.dtype).toBe('I64');
    expect(step.shape).toEqual([]);
    expect((step.data as BigInt64Array)[0]).toBe(BigInt(expected.step));
    const empty = tensors.get('empty')!;
    expect(empty.shape).toEqual([0, 4]);
    expect(empty.data.length).toBe(0);
  });

  it('readSafetensors returns the Map; the filter skips tensors; the header reads alone', async () => {
    const path = join(FIXTURES, 'reference.safetensors');
    const only = await readSafetensors(path, { filter: (name) => name.startsWith('h.0.') });
    expect([...only.keys()].sort()).toEqual(['h.0.attn.c_attn.weight', 'h.0.ln_1.weight']);
    const header = await readSafetensorsHeader(path);
    expect(header.entries.get('positions')).toEqual({ dtype: 'I32', shape: [5], dataOffsets: [36, 56] });
    expect(header.dataStart % 8).toBe(0);
  });
});

describe('write then read', () => {
  it('round-trips F32 and I32 exactly, F16 to the nearest half, with metadata', async () => {
    const path = join(dir, 'model.safetensors');
    const f32 = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 ** (i % 7 - 3));
    const f16src = new Float32Array([0.1, -2.5, 65504, 70000, 1e-7, 3.0e-5]);
    await writeSafetensors(
      path,
      {
        'transformer.h.0.attn.c_attn.weight': { dtype: 'F32', shape: [4, 6], data: f32 },
        'transformer.wpe.weight': { dtype: 'F16', shape: [2, 3], data: f16src },
        ids: { dtype: 'I32', shape: [3], data: [7, -1, 2147483647] },
        scalar: { dtype: 'F32', shape: [], data: [42] },
      },
      { format: 'pt', step: '12' },
    );
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ format: 'pt', step: '12' });
    expect(Array.from(tensors.get('transformer.h.0.attn.c_attn.weight')!.data as Float32Array)).toEqual(Array.from(f32));
    const h = tensors.get('transformer.wpe.weight')!;
    expect(h.dtype).toBe('F16');
    expect(Array.from(h.data as Float32Array)).toEqual(
      Array.from(f16src).map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))),
    );
    expect((h.data as Float32Array)[3]).toBe(Infinity); // 70000 overflows half
    expect(Array.from(tensors.get('ids')!.data as Int32Array)).toEqual([7, -1, 2147483647]);
    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect(Array.from(tensors.get('scalar')!.data as Float32Array)).toEqual([42]);
    // no temporary file left behind
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('pads the header to 8 bytes with spaces and aligns every tensor to its element size', () => {
    const bytes = serializeSafetensors({
      a: { dtype: 'F16', shape: [3], data: [1, 2, 3] },
      b: { dtype: 'F32', shape: [1], data: [1] },
      c: { dtype: 'I32', shape: [1], data: [1] },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    for (const [name, e] of Object.entries(header) as [string, { dtype: string; data_offsets: number[] }][]) {
      const size = e.dtype === 'F16' ? 2 : 4;
      expect(e.data_offsets[0] % size).toBe(0);
      expect(name).not.toBe('__metadata__'); // no metadata given -> none written
    }
    expect(parseSafetensors(bytes).tensors.size).toBe(3);
  });

  it('overwrites an existing file atomically (readers see old or new, never a partial file)', async () => {
    const path = join(dir, 'overwrite.safetensors');
    await writeSafetensors(path, { x: { dtype: 'F32', shape: [1], data: [1] } });
    await writeSafetensors(path, { x: { dtype: 'F32', shape: [2], data: [2, 3] } });
    expect(Array.from((await readSafetensors(path)).get('x')!.data as Float32Array)).toEqual([2, 3]);
  });

  it('rejects bad input with typed errors and leaves no file', async () => {
    const path = join(dir, 'bad.safetensors');
    await expect(writeSafetensors(path, { x: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } })).rejects.toThrow(
      SafetensorsInputError,
    );
    await expect(writeSafetensors(path, { x: { dtype: 'I32', shape: [1], data: [1.5] } })).rejects.toThrow(
      /not a 32-bit integer/,
    );
    await expect(
      writeSafetensors(path, { x: { dtype: 'F64' as never, shape: [1], data: [1] } }),
    ).rejects.toThrow(SafetensorsDtypeError);
    await expect(writeSafetensors(path, { __metadata__: { dtype: 'F32', shape: [1], data: [1] } })).rejects.toThrow(
      /invalid tensor name/,
    );
    expect(readdirSync(dir).filter((f) => f.startsWith('bad') || f.includes('.tmp-'))).toEqual([]);
  });
});

describe('corrupt files give SafetensorsCorruptError naming the file and the problem', () => {
  const f32x2 = new Uint8Array(new Float32Array([1, 2]).buffer);
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', () => new Uint8Array([1, 2, 3]), /shorter than the 8-byte header length/],
    [
      'header length past the end',
      () => {
        const b = rawFile({});
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      },
      /runs past the end/,
    ],
    ['header not JSON', () => rawFile(null, undefined, '{"a": '), /not valid JSON/],
    ['header not an object', () => rawFile(null, undefined, '[1,2]'), /does not start with "\{"/],
    ['offsets past the data', () => rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32x2.subarray(0, 4)), /data_offsets span 8|run past/],
    [
      'size does not match dtype*shape',
      () => rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32x2),
      /needs 12/,
    ],
    [
      'overlapping tensors',
      () =>
        rawFile(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          f32x2,
        ),
      /overlap/,
    ],
    [
      'a gap between tensors',
      () => rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32x2),
      /gap of 4 unused bytes/,
    ],
    ['trailing bytes', () => rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32x2), /trailing bytes/],
    ['begin > end', () => rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, f32x2), /0 <= begin <= end/],
    ['negative shape', () => rawFile({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32x2), /non-negative integers/],
    ['metadata not strings', () => rawFile({ __metadata__: { a: 1 } }), /__metadata__\["a"\] is not a string/],
    [
      'truncated data section',
      () => rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32x2).subarray(0, 8 + 60),
      /run past|runs past/,
    ],
  ];

  it.each(cases)('%s', async (_label, make, message) => {
    const bytes = make();
    const path = join(dir, 'corrupt.safetensors');
    writeFileSync(path, bytes);
    const err = await readSafetensors(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsCorruptError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(path);
    // the in-memory parser agrees
    expect(() => parseSafetensors(bytes, 'mem')).toThrow(SafetensorsCorruptError);
  });

  it('an unknown dtype is a SafetensorsDtypeError; a known but unreadable one too, unless filtered out', async () => {
    const path = join(dir, 'dtype.safetensors');
    writeFileSync(path, rawFile({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)));
    await expect(readSafetensors(path)).rejects.toThrow(SafetensorsDtypeError);
    writeFileSync(
      path,
      rawFile(
        {
          mask: { dtype: 'BOOL', shape: [4], data_offsets: [0, 4] },
          w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        new Uint8Array([1, 0, 1, 0, 0, 0, 0x80, 0x3f]),
      ),
    );
    const err = await readSafetensors(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsDtypeError);
    expect((err as Error).message).toMatch(/tensor "mask".*BOOL/);
    const w = await readSafetensors(path, { filter: (name) => name !== 'mask' });
    expect(Array.from(w.get('w')!.data as Float32Array)).toEqual([1]);
  });
});

describe('float16 / bfloat16 conversion', () => {
  it('matches numpy astype(float16) on edge cases, random values and exact ties', () => {
    const v = JSON.parse(readFileSync(join(FIXTURES, 'f16-vectors.json'), 'utf8')) as {
      float32Bits: number[];
      float16Bits: number[];
    };
    const f = new Float32Array(new Uint32Array(v.float32Bits).buffer);
    const mismatches: string[] = [];
    for (let i = 0; i < f.length; i++) {
      const got = float32ToFloat16Bits(f[i]);
      if (got !== v.float16Bits[i]) mismatches.push(`${f[i]}: got 0x${got.toString(16)} want 0x${v.float16Bits[i].toString(16)}`);
    }
    expect(mismatches).toEqual([]);
    expect(f.length).toBeGreaterThan(700);
  });

  it('rounds ties to even, overflows to Infinity at 65520, underflows to signed zero', () => {
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10 -> even (1)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (1 + 2^-9)
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie -> up
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie with zero -> even (0)
    expect(float32ToFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units -> even
    expect(float32ToFloat16Bits(-1e-30)).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normal range
    const nan = float32ToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
    expect(Number.isNaN(float16BitsToFloat32(nan))).toBe(true);
  });

  it('every half converts to float32 and back to itself', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = float16ToFloat32Array(all);
    for (let i = 0; i < 65536; i++) {
      const back = float32ToFloat16Bits(f[i]);
      const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNaN) {
        if (!Number.isNaN(f[i])) throw new Error(`half 0x${i.toString(16)} should be NaN`);
      } else if (back !== i) {
        throw new Error(`half 0x${i.toString(16)} -> ${f[i]} -> 0x${back.toString(16)}`);
      }
    }
  });

  it('bfloat16 is the top half of float32', () => {
    expect(Array.from(bfloat16ToFloat32Array(new Uint16Array([0x3f80, 0xc020, 0x7f80, 0x0000])))).toEqual([
      1, -2.5, Infinity, 0,
    ]);
  });
});
