/** DEMI_THREADS sets the native kernels' thread count (OpenBLAS's included); a bad value is an error, not a fallback. */
import { spawnSync } from 'node:child_process';
import { threadsFromEnvironment } from '../../model/engine/native/addon.js';
import { BackendError } from '../../model/engine/index.js';

const engine = (threads: string) => spawnSync(process.execPath, ['bin/demi.mjs', 'engine', '--backend', 'native'], {
  encoding: 'utf8', env: { ...process.env, DEMI_THREADS: threads, DEMI_LOG_LEVEL: 'warn' },
});

test('DEMI_THREADS=1 and =2 reach OpenBLAS', () => {
  for (const threads of ['1', '2']) {
    const res = engine(threads);
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).blas.threads).toBe(Number(threads));
  }
});

test('a DEMI_THREADS that is not a whole number >= 1 stops the command with one clear line', () => {
  const res = engine('two');
  expect(res.status).toBe(1);
  expect(res.stderr.trim()).toBe("demi: DEMI_THREADS must be a whole number >= 1, got 'two'; unset it to use every core");
  expect(() => threadsFromEnvironment('0')).toThrow(BackendError);
  expect(threadsFromEnvironment('')).toBeUndefined();
  expect(threadsFromEnvironment('3')).toBe(3);
});
