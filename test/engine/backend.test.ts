import { spawnSync } from 'node:child_process';
import { detectCoreType } from '../../model/engine/index.js';

describe('OpenBLAS core type', () => {
  test('AVX-512 CPUs get SkylakeX, AVX2 ones Haswell, others are left to OpenBLAS', () => {
    expect(detectCoreType('flags\t\t: fpu sse avx2 fma avx512f avx512bw avx512vl\n')).toBe('SkylakeX');
    expect(detectCoreType('flags\t\t: fpu sse avx2 fma\n')).toBe('Haswell');
    expect(detectCoreType('flags\t\t: fpu sse sse2\n')).toBeUndefined();
  });

  const script = 'test/helpers/print-backend.ts';
  const runWith = (env: Record<string, string | undefined>) => {
    const res = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', script], {
      encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'info', ...env },
    });
    return { out: JSON.parse(res.stdout.trim().split('\n').pop()!), stderr: res.stderr };
  };

  test('a value already in the environment is never overridden', () => {
    const { out } = runWith({ OPENBLAS_CORETYPE: 'Haswell', DEMI_BACKEND: 'native' });
    expect(out.env).toBe('Haswell');
    expect(out.info.blas.coreName).toBe('Haswell');
    expect(out.info.blas.coreTypeChosenByUs).toBe(false);
  });

  test('the engine choice is logged once, and DEMI_BACKEND picks the engine', () => {
    const { out, stderr } = runWith({ DEMI_BACKEND: 'cpu', OPENBLAS_CORETYPE: undefined });
    expect(out.info.name).toBe('cpu');
    expect(stderr.match(/native CPU kernels are not in use/g)).toHaveLength(1);
  });

  test('an unknown DEMI_BACKEND is a clear error', () => {
    const res = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', script], {
      encoding: 'utf8', env: { ...process.env, DEMI_BACKEND: 'gpu-please' },
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/unknown backend 'gpu-please': choose one of tensorflow-gpu, tensorflow, native, wasm, cpu/);
  });
});
