/**
 * `npm run bench`: the engine benchmark, side by side for each available backend, with PyTorch as a
 * yardstick when Debian's python3-torch is installed. Each backend runs in its own process (kernel
 * registrations are per process); rounds alternate engines so host noise hits both alike.
 *
 *   npm run bench -- --backends native,wasm --rounds 3 --gpt-steps 5 --conv-steps 10
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCoreType } from '../model/engine/native/addon.js';
import { median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = option('backends', 'native,wasm').split(',');
const rounds = Number(option('rounds', '3'));
const gptSteps = option('gpt-steps', '5');
const convSteps = option('conv-steps', '10');
const torchPython = option('python', '/usr/bin/python3');

type Json = Record<string, any>;

function runJson(command: string, commandArgs: string[], env: NodeJS.ProcessEnv = process.env): Json | string {
  const res = spawnSync(command, commandArgs, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return `failed (exit ${res.status}): ${(res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

function engineArgs(backend: string): string[] {
  // The pure-JS paths take 10-60 s per GPT step: time fewer steps there.
  const slow = backend !== 'native' && backend !== 'tensorflow' && backend !== 'tensorflow-gpu';
  return [join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(here, 'engine-steps.ts'), '--backend', backend,
    '--gpt-steps', slow ? '1' : gptSteps, '--conv-steps', slow ? '2' : convSteps, '--dim-steps', slow ? '1' : '5'];
}

const haveTorch = existsSync(torchPython) && spawnSync(torchPython, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
// PyTorch gets the same OpenBLAS core type our loader picks (Debian's OpenBLAS misdetects these CPUs).
const torchEnv = { ...process.env };
if (!torchEnv.OPENBLAS_CORETYPE) {
  const core = existsSync('/proc/cpuinfo') ? detectCoreType(readFileSync('/proc/cpuinfo', 'utf8')) : undefined;
  if (core) torchEnv.OPENBLAS_CORETYPE = core;
}

const results = new Map<string, Json[]>();
const failures = new Map<string, string>();
for (let round = 0; round < rounds; round++) {
  for (const backend of backends) {
    if (round > 0 && backend !== 'native' && !backend.startsWith('tensorflow')) continue; // slow paths: one round
    process.stderr.write(`bench: round ${round + 1}/${rounds}, ${backend}...\n`);
    const out = runJson(process.execPath, engineArgs(backend));
    if (typeof out === 'string') failures.set(backend, out);
    else results.set(backend, [...(results.get(backend) ?? []), out]);
  }
  if (haveTorch) {
    process.stderr.write(`bench: round ${round + 1}/${rounds}, pytorch...\n`);
    const out = runJson(torchPython, [join(here, 'torch_reference.py'), '--gpt-steps', gptSteps, '--conv-steps', convSteps], torchEnv);
    if (typeof out === 'string') failures.set('pytorch', out);
    else results.set('pytorch', [...(results.get('pytorch') ?? []), out]);
  }
}

const med = (runs: Json[] | undefined, pick: (r: Json) => number | undefined) => {
  const values = (runs ?? []).map(pick).filter((v): v is number => typeof v === 'number');
  return values.length ? median(values) : undefined;
};
const fmt = (v: number | undefined, digits = 0) => (v === undefined ? '-' : v.toFixed(digits));

const torchGpt = med(results.get('pytorch'), (r) => r.gpt?.stepMs);
const torchConv = med(results.get('pytorch'), (r) => r.conv?.stepMs);
const first = [...results.values()][0]?.[0];
console.log(`demi engine benchmark (${rounds} round(s); medians of per-run medians)`);
if (first?.blas) console.log(`OpenBLAS core: ${first.blas.coreName}, ${first.blas.threads} threads; OPENBLAS_CORETYPE=${first.blas.coreType ?? '(unset)'}`);
console.log('');
console.log('engine          GPT step ms  GPT tok/s  vs torch   conv step ms  conv img/s  vs torch   DIM(L) img/s   greedy tok/s  sgemm GFLOP/s (raw 2048x768x768)');
for (const [name, runs] of results) {
  const gpt = med(runs, (r) => r.gpt?.stepMs);
  const conv = med(runs, (r) => r.conv?.stepMs);
  const gen = med(runs, (r) => r.generate?.tokensPerSecond);
  const dim = med(runs, (r) => r.dim?.imagesPerSecond);
  const sgemm = med(runs, (r) => r.rawSgemmGflops?.['2048x768x768'] ?? r.tfMatMulGflops?.['2048x768x768']);
  const ratio = (mine: number | undefined, torch: number | undefined) =>
    name === 'pytorch' || mine === undefined || torch === undefined ? '' : `${(mine / torch).toFixed(2)}x`;
  console.log([
    name.padEnd(14), fmt(gpt).padStart(12), fmt(gpt && (16 * 128) / (gpt / 1000)).padStart(10), ratio(gpt, torchGpt).padStart(9),
    fmt(conv, 1).padStart(14), fmt(conv && 64 / (conv / 1000)).padStart(11), ratio(conv, torchConv).padStart(9),
    fmt(dim).padStart(14), fmt(gen).padStart(14), fmt(sgemm).padStart(14),
  ].join(' '));
}
for (const [name, why] of failures) console.log(`${name}: ${why}`);
if (!haveTorch) console.log('pytorch: not installed (apt-get install python3-torch to compare)');
console.log('\nratios are step-time ratios (engine / PyTorch): below 1.00x is faster than PyTorch.');
if (args.includes('--json')) console.log(JSON.stringify(Object.fromEntries(results)));
