/**
 * `demi train dialogue` end to end on a toy corpus: a run killed with SIGKILL and resumed ends
 * bit-for-bit where an uninterrupted run ends; divergence stops with a clear error and keeps the
 * last good checkpoint; a corrupt checkpoint is a clear error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeToyRunConfig } from './toy-run.js';

const dir = mkdtempSync(join(tmpdir(), 'demi-train-'));
let configFile = '';

beforeAll(async () => {
  configFile = await writeToyRunConfig(dir, { steps: 60, batchSize: 8, learningRate: 3e-3, warmupSteps: 5, evalEvery: 10, logEvery: 1, seed: 3 }, 24);
});

const cli = ['bin/demi.mjs', 'train', 'dialogue'];

function runToEnd(out: string, extra: string[] = []) {
  return spawnSync(process.execPath, [...cli, '--config', configFile, '--out', out, ...extra], { encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn' } });
}

function stepOf(checkpoint: string): number {
  try {
    return JSON.parse(readFileSync(join(checkpoint, 'train_state.json'), 'utf8')).step as number;
  } catch {
    return 0;
  }
}

const withoutTimings = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => {
  const { tokPerSecond: _, ...rest } = JSON.parse(l);
  return rest;
});

test('a killed run resumes bit-for-bit', async () => {
  const straight = join(dir, 'straight');
  const first = runToEnd(straight);
  expect(first.status).toBe(0);

  const killed = join(dir, 'killed');
  const child = spawn(process.execPath, [...cli, '--config', configFile, '--out', killed], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (stepOf(join(killed, 'last')) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  const code = await exited;
  expect(code).toBeNull(); // killed, not finished
  const killedAt = stepOf(join(killed, 'last'));
  expect(killedAt).toBeGreaterThanOrEqual(20);
  expect(killedAt).toBeLessThan(60);

  const resumed = runToEnd(killed, ['--resume']);
  expect(resumed.status).toBe(0);
  expect(readFileSync(join(killed, 'last', 'model.safetensors')).equals(readFileSync(join(straight, 'last', 'model.safetensors')))).toBe(true);
  expect(readFileSync(join(killed, 'last', 'train_state.safetensors')).equals(readFileSync(join(straight, 'last', 'train_state.safetensors')))).toBe(true);
  expect(withoutTimings(join(killed, 'log.jsonl'))).toEqual(withoutTimings(join(straight, 'log.jsonl')));
  expect(existsSync(join(straight, 'curves.svg'))).toBe(true);
  expect(existsSync(join(straight, 'best', 'tokenizer.model'))).toBe(true);
  const log = withoutTimings(join(straight, 'log.jsonl'));
  const vals = log.filter((r) => r.kind === 'val');
  expect(vals).toHaveLength(6);
  expect(vals[0]).toHaveProperty('mi_1');
  expect(vals[0]).toHaveProperty('mi_2');
  expect(vals[5].loss).toBeLessThan(vals[0].loss);
}, 180_000);

test('the MLE baseline (lambda = 0, no critic) trains and logs no MI terms', () => {
  const out = join(dir, 'mle');
  const run = runToEnd(out, ['--set', 'objective.lambda=0', '--steps', '10']);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const log = withoutTimings(join(out, 'log.jsonl'));
  const trainRows = log.filter((r) => r.kind === 'train');
  expect(trainRows.length).toBeGreaterThan(0);
  for (const row of trainRows) {
    expect(row.loss).toBeCloseTo(row.lm, 6);
    expect(row).not.toHaveProperty('mi_total');
  }
  expect(log.filter((r) => r.kind === 'val')[0].loss).toBeLessThan(Math.log(256));
}, 120_000);

test('a second stage starts from the first stage\'s best checkpoint and trains on every turn (lmTargets dialogue)', () => {
  const first = join(dir, 'stage1');
  expect(runToEnd(first, ['--steps', '30']).status).toBe(0);
  const second = join(dir, 'stage2');
  const run = runToEnd(second, ['--set', `model.init=${JSON.stringify(join(first, 'best'))}`, '--set', 'objective.lmTargets="dialogue"', '--steps', '10']);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const firstVals = withoutTimings(join(first, 'log.jsonl')).filter((r) => r.kind === 'val');
  const secondLog = withoutTimings(join(second, 'log.jsonl'));
  // Warm-started: after 10 steps it is past where the first stage was after 10 steps from scratch.
  expect(secondLog.find((r) => r.kind === 'val').loss).toBeLessThan(firstVals[0].loss);
  expect(JSON.parse(readFileSync(join(second, 'best', 'config.json'), 'utf8')).objective.lmTargets).toBe('dialogue');
}, 120_000);

test('a stage may train a longer window than its init checkpoint, with its own dropout and the checkpoint\'s tokenizer; a different shape or a larger vocabulary is refused', async () => {
  const first = join(dir, 'stage1');
  if (!existsSync(join(first, 'best'))) expect(runToEnd(first, ['--steps', '30']).status).toBe(0);
  const init = ['--set', `model.init=${JSON.stringify(join(first, 'best'))}`];
  const longer = join(dir, 'longer');
  // no tokenizer.path: the checkpoint's own tokenizer
  const run = runToEnd(longer, [...init, '--set', 'tokenizer={}', '--set', 'model.blockSize=96', '--set', 'model.dropout=0', '--set', 'objective.lmTargets="dialogue"', '--set', 'training.learningRate=1e-6', '--steps', '4']);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const config = JSON.parse(readFileSync(join(longer, 'best', 'config.json'), 'utf8'));
  expect(config.model).toMatchObject({ blockSize: 96, dropout: 0, nLayer: 1, dModel: 32 });
  const { parseSafetensors } = await import('../../core/safetensors.js');
  const positions = (dirName: string) => {
    const t = parseSafetensors(readFileSync(join(dirName, 'model.safetensors'))).tensors.get('transformer.wpe.weight')!;
    return { shape: t.shape, data: t.data as Float32Array };
  };
  const before = positions(join(first, 'best'));
  const after = positions(join(longer, 'best'));
  expect(before.shape).toEqual([48, 32]);
  expect(after.shape).toEqual([96, 32]);
  // 4 steps at lr 1e-6 leave the trained rows where they were (Adam moves a weight <= ~lr a step); the new ones are N(0, 0.02)
  const rms = (xs: Float32Array) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
  const drift = after.data.subarray(0, 48 * 32).map((x, i) => x - before.data[i]);
  expect(rms(before.data)).toBeGreaterThan(0.01);
  expect(Math.max(...drift.map(Math.abs))).toBeLessThan(1e-5);
  expect(rms(after.data.subarray(48 * 32))).toBeGreaterThan(0.01);
  expect(rms(after.data.subarray(48 * 32))).toBeLessThan(0.04);

  expect(readFileSync(join(longer, 'best', 'tokenizer.model')).equals(readFileSync(join(first, 'best', 'tokenizer.model')))).toBe(true);

  const wider = runToEnd(join(dir, 'wider'), [...init, '--set', 'tokenizer.path="models/default/tokenizer.model"', '--steps', '2']);
  expect(wider.status).toBe(1);
  expect(wider.stderr).toMatch(/tokenizer\.path \(models\/default\/tokenizer\.model\) has 8000 ids but model\.init \(.*\) only \d+ embeddings/);

  const conflict = runToEnd(join(dir, 'conflict'), [...init, '--set', 'model.nLayer=2', '--steps', '2']);
  expect(conflict.status).toBe(1);
  expect(conflict.stderr).toMatch(/model\.nLayer is 2 but model\.init \(.*\) has 1/);
  expect(conflict.stderr).toMatch(/model\.newLayers to "identity"/);

  // a deeper stage: one block added on top, starting as the identity and trained from the first step
  const deeper = join(dir, 'deeper');
  const grown = runToEnd(deeper, [...init, '--set', 'model.nLayer=2', '--set', 'model.newLayers="identity"', '--set', 'training.learningRate=1e-3', '--steps', '3']);
  expect(grown.stderr).not.toMatch(/Error/);
  expect(grown.status).toBe(0);
  expect(JSON.parse(readFileSync(join(deeper, 'best', 'config.json'), 'utf8')).model).toMatchObject({ nLayer: 2, dModel: 32 });
  const tensors = parseSafetensors(readFileSync(join(deeper, 'best', 'model.safetensors'))).tensors;
  const projection = tensors.get('transformer.h.1.mlp.c_proj.weight')!.data as Float32Array;
  expect(Math.max(...Array.from(projection, Math.abs))).toBeGreaterThan(0);
  const shallower = runToEnd(join(dir, 'shallower'), ['--set', `model.init=${JSON.stringify(join(deeper, 'best'))}`, '--set', 'model.nLayer=1', '--set', 'model.newLayers="identity"', '--steps', '2']);
  expect(shallower.status).toBe(1);
  expect(shallower.stderr).toMatch(/model\.nLayer is 1 but model\.init \(.*\) has 2/);
}, 180_000);

test('NaN/inf loss stops with a clear error and keeps the last good checkpoint', () => {
  const out = join(dir, 'diverged');
  const res = runToEnd(out, ['--set', 'training.learningRate=1e6', '--set', 'training.clipNorm=0', '--set', 'training.evalEvery=1', '--set', 'training.warmupSteps=0']);
  expect(res.status).toBe(1);
  expect(res.stderr).toMatch(/training diverged at step (\d+): loss .*Nothing was updated; the last good checkpoint is/);
  const step = Number(/diverged at step (\d+)/.exec(res.stderr)![1]);
  expect(stepOf(join(out, 'last'))).toBe(step - 1);
});

test('a corrupt checkpoint is a clear error on resume', () => {
  const out = join(dir, 'corrupt');
  expect(runToEnd(out, ['--steps', '10']).status).toBe(0);
  writeFileSync(join(out, 'last', 'model.safetensors'), 'not a safetensors file');
  const res = runToEnd(out, ['--resume', '--steps', '20']);
  expect(res.status).toBe(1);
  expect(res.stderr).toMatch(/model\.safetensors is corrupt/);
  const missing = runToEnd(join(dir, 'nothing-here'), ['--resume']);
  expect(missing.stderr).toMatch(/no checkpoint at .* to resume from/);
});
