/**
 * Every atomic write of core/, made to fail part-way: by an injected error in-process, or by a child
 * process killed (SIGKILL, through the DEMI_FAULT hook) at each step of the write. The old contents
 * must survive intact, recovery must leave the newest complete copy and no temporaries.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  JsonlLog, moveAside, recoverDirectory, removeStaleTemporaries, writeDirectoryAtomically, writeFileAtomically, writeSafetensors,
  writeWholeFile, readWholeFile,
  readSafetensors, float16Overflow, clampToFloat16Range, type TensorToWrite,
} from '../../core/index.js';

const ROOT = resolve('.');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'demi-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const contents = (d: string) => Object.fromEntries(readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f), 'utf8')]));
const siblings = () => readdirSync(dir).filter((f) => f.startsWith('.'));

/** Runs `code` (an ES module body with `core` = core/index.ts) in a child with DEMI_FAULT set; returns its exit signal. */
function runChild(code: string, fault: string): NodeJS.Signals | null {
  const body = `const core = await import(${JSON.stringify(join(ROOT, 'core/index.ts'))});\n${code}`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, DEMI_FAULT: fault, DEMI_LOG_LEVEL: 'silent' },
  });
  if (child.status !== 0 && child.signal === null) throw new Error(child.stderr);
  return child.signal;
}

describe('writeDirectoryAtomically', () => {
  test('replaces the directory and leaves nothing beside it', () => {
    const target = join(dir, 'ckpt');
    writeDirectoryAtomically(target, { 'a.txt': 'old a', 'b.bin': new Uint8Array([1, 2]) });
    writeDirectoryAtomically(target, { 'a.txt': 'new a' });
    expect(contents(target)).toEqual({ 'a.txt': 'new a' });
    expect(siblings()).toEqual([]);
  });

  test('a name with a folder (onnx/model.onnx) is written inside that folder', () => {
    const target = join(dir, 'export');
    writeDirectoryAtomically(target, { 'config.json': '{}', 'onnx/model.onnx': new Uint8Array([8, 1]) });
    expect(readdirSync(target).sort()).toEqual(['config.json', 'onnx']);
    expect([...readFileSync(join(target, 'onnx', 'model.onnx'))]).toEqual([8, 1]);
    expect(siblings()).toEqual([]);
  });

  test('an error part-way (the second file cannot be written) keeps the old directory intact, no temporaries', () => {
    const target = join(dir, 'ckpt');
    writeDirectoryAtomically(target, { 'a.txt': 'old a', 'b.txt': 'old b' });
    // The folder of the second name is a file the first one wrote.
    expect(() => writeDirectoryAtomically(target, { 'a.txt': 'new a', 'a.txt/b.txt': 'new b' })).toThrow(/EEXIST|ENOTDIR/);
    expect(contents(target)).toEqual({ 'a.txt': 'old a', 'b.txt': 'old b' });
    expect(siblings()).toEqual([]);
  });

  // Where the child dies, and which copy is the newest complete one afterwards.
  test.each([
    ['writing', 'old'],
    ['before-swap', 'new'],
    ['between-renames', 'new'],
    ['before-cleanup', 'new'],
  ])('a kill at %s: recovery leaves the %s copy, whole, and no leftovers', (point, winner) => {
    const target = join(dir, 'last');
    writeDirectoryAtomically(target, { 'a.txt': 'old a', 'b.txt': 'old b' });
    const signal = runChild(`core.writeDirectoryAtomically(${JSON.stringify(target)}, { 'a.txt': 'new a', 'b.txt': 'new b' });`, `${point}:last`);
    expect(signal).toBe('SIGKILL');
    expect(siblings().length).toBeGreaterThan(0);
    if (point === 'between-renames') expect(existsSync(target)).toBe(false);
    recoverDirectory(target);
    expect(contents(target)).toEqual({ 'a.txt': `${winner} a`, 'b.txt': `${winner} b` });
    expect(siblings()).toEqual([]);
  });

  test('a kill between the renames of a first write: the complete new copy is put in place', () => {
    const target = join(dir, 'best');
    expect(runChild(`core.writeDirectoryAtomically(${JSON.stringify(target)}, { 'a.txt': 'new a' });`, 'between-renames')).toBe('SIGKILL');
    expect(recoverDirectory(target).restored).toMatch(/\.best\.new-/);
    expect(contents(target)).toEqual({ 'a.txt': 'new a' });
    expect(siblings()).toEqual([]);
  });

  test('DEMI_FAULT counts hits: name:n fires on the n-th write of that name only', () => {
    const target = join(dir, 'last');
    const code = `for (const v of ['1', '2', '3']) { core.writeDirectoryAtomically(${JSON.stringify(join(dir, 'other'))}, { v }); core.writeDirectoryAtomically(${JSON.stringify(target)}, { v }); }`;
    expect(runChild(code, 'before-cleanup:last:2')).toBe('SIGKILL');
    recoverDirectory(target);
    expect(contents(target)).toEqual({ v: '2' });
    expect(contents(join(dir, 'other'))).toEqual({ v: '2' });
  });

  test('leftovers of the earlier naming (.old-PID-TS beside a possibly half-written .tmp-PID-TS) restore the old copy', () => {
    const target = join(dir, 'last');
    mkdirSync(join(dir, '.last.old-123-456'));
    writeFileSync(join(dir, '.last.old-123-456', 'a.txt'), 'old a');
    mkdirSync(join(dir, '.last.tmp-123-456'));
    writeFileSync(join(dir, '.last.tmp-123-456', 'a.txt'), 'half');
    recoverDirectory(target);
    expect(contents(target)).toEqual({ 'a.txt': 'old a' });
    expect(siblings()).toEqual([]);
  });

  test('recovery is a no-op without leftovers and leaves other names alone', () => {
    writeDirectoryAtomically(join(dir, 'last'), { a: '1' });
    mkdirSync(join(dir, '.lastly.tmp-1'));
    expect(recoverDirectory(join(dir, 'last'))).toEqual({ removed: [] });
    expect(siblings()).toEqual(['.lastly.tmp-1']);
  });
});

describe('single files', () => {
  test('writeFileAtomically: a kill before the rename keeps the old file; the temporary is removed on the next start', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'old');
    expect(runChild(`core.writeFileAtomically(${JSON.stringify(path)}, 'new');`, 'before-rename:notes.txt')).toBe('SIGKILL');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(siblings()).toHaveLength(1);
    expect(removeStaleTemporaries(path)).toHaveLength(1);
    writeFileAtomically(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(siblings()).toEqual([]);
  });

  test('JSONL log truncation (resume): a kill mid-rewrite keeps every line; the next start cleans up and truncates', () => {
    const path = join(dir, 'log.jsonl');
    const log = new JsonlLog(path);
    for (let step = 1; step <= 10; step++) log.append({ step, kind: 'train', loss: 1 / step });
    const before = readFileSync(path, 'utf8');
    expect(runChild(`new core.JsonlLog(${JSON.stringify(path)}).truncateAfter(4);`, 'before-rename:log.jsonl')).toBe('SIGKILL');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(siblings()).toHaveLength(1);
    const reopened = new JsonlLog(path);
    expect(siblings()).toEqual([]);
    reopened.truncateAfter(4);
    expect(reopened.read().map((r) => r.step)).toEqual([1, 2, 3, 4]);
  });

  test('writeSafetensors: an error while writing the tensors keeps the old file intact, no temporaries', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const old = readFileSync(path);
    // Read only when its bytes are written: the header and tensor 'a' are on disk by then.
    const failing = new Proxy([0, 0, 0], {
      get: (target, key) => (key === 'length' ? 3 : typeof key === 'string' && /^\d+$/.test(key) ? (() => { throw new Error('disk on fire'); })() : Reflect.get(target, key)),
    }) as unknown as readonly number[];
    const tensors: Record<string, TensorToWrite> = { a: { dtype: 'F32', shape: [2], data: new Float32Array([3, 4]) }, b: { dtype: 'F32', shape: [3], data: failing } };
    await expect(writeSafetensors(path, tensors)).rejects.toThrow(/disk on fire/);
    expect(readFileSync(path).equals(old)).toBe(true);
    expect(siblings()).toEqual([]);
  });

  test('writeSafetensors: a kill before the rename keeps the old file; the next write removes the temporary', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const old = readFileSync(path);
    const code = `await core.writeSafetensors(${JSON.stringify(path)}, { a: { dtype: 'F32', shape: [2], data: new Float32Array([3, 4]) } });`;
    expect(runChild(code, 'before-rename:model.safetensors')).toBe('SIGKILL');
    expect(readFileSync(path).equals(old)).toBe(true);
    expect(siblings()).toHaveLength(1);
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [2], data: new Float32Array([5, 6]) } });
    expect(Array.from((await readSafetensors(path)).get('a')!.data as Float32Array)).toEqual([5, 6]);
    expect(siblings()).toEqual([]);
  });
});

test('whole files are written and read in pieces (checkpoints past the 2 GiB a single fs call takes)', () => {
  // the real pieces are 1 GiB; tiny ones run the same loop over many pieces and a short last one
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 251);
  const path = join(dir, 'state.bin');
  for (const piece of [7, 1000, 4096]) {
    writeWholeFile(path, bytes, piece);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    for (const readPiece of [3, 1000, 5000]) expect(new Uint8Array(readWholeFile(path, readPiece))).toEqual(bytes);
  }
  writeWholeFile(path, 'text, written whole', 4);
  expect(readFileSync(path, 'utf8')).toBe('text, written whole');
  writeWholeFile(path, new Uint8Array(0), 4);
  expect(readWholeFile(path, 4).length).toBe(0);
});

test('float16Overflow finds the first value that would become Infinity; clampToFloat16Range clamps', () => {
  expect(float16Overflow(new Float32Array([1, 65504, 65519, -65520, 70000]))).toEqual({ index: 3, value: -65520 });
  expect(float16Overflow(new Float32Array([NaN, Infinity, 65504]))).toBeUndefined();
  expect(Array.from(clampToFloat16Range(new Float32Array([70000, -1e9, 3])))).toEqual([65504, -65504, 3]);
});

test('moveAside moves to a timestamped sibling and never over an existing one', () => {
  const run = join(dir, 'run');
  const now = new Date('2025-03-04T05:06:07Z');
  for (const n of [1, 2]) {
    mkdirSync(run);
    writeFileSync(join(run, 'log.jsonl'), `run ${n}`);
    moveAside(run, now);
  }
  expect(readdirSync(dir).sort()).toEqual(['run.moved-20250304-050607', 'run.moved-20250304-050607-2']);
  expect(readFileSync(join(dir, 'run.moved-20250304-050607', 'log.jsonl'), 'utf8')).toBe('run 1');
});
