/**
 * `npm run bench`: the engine benchmark against PyTorch at EQUAL thread counts. For each thread count
 * the native engine runs with DEMI_THREADS=t and PyTorch with torch.set_num_threads(t) (and its BLAS
 * pinned to t), each in its own process; rounds alternate the engines so host noise hits both alike.
 * A comparison across unequal thread counts is not a result, so the table never makes one.
 *
 * Each row shows the achieved GFLOP/s (FLOPs counted analytically, formulas below) and its share of
 * the machine's measured sgemm rate at that thread count (OpenBLAS 2048x768x768 through the addon).
 *
 *   npm run bench -- --threads 1,2 --rounds 3 --gpt-steps 5 --conv-steps 10 [--backends native,wasm]
 *
 * Then the runtime comparison (bench/runtime-compare.ts): greedy decoding on TF.js's native engine vs
 * onnxruntime-node at equal threads, for models/default and a GPT-2-small-shaped model.
 *
 *   npm run bench -- --only runtime [--runtime-threads 2] [--runtime-models default,gpt2-small] [--new-tokens 32]
 *   npm run bench -- --only engine          the engine table alone
 *
 * The GPT-2-small section (`--only gpt2small`, not in the default run: ~10 min at 1 thread): a DEMI
 * fine-tuning step of a GPT-2-small-shaped model (12L d768 12 heads V50257, 256 block, batch 4, M = 4,
 * AdamW) with its peak RSS, and greedy decoding at batch 1 for GPT-2 small and models/default's shape,
 * native (DEMI_NATIVE_HOST=cpu: the case outgrows the wasm heap) vs PyTorch at equal threads, each
 * measurement its own process.
 *
 *   npm run bench -- --only gpt2small [--threads 1,2] [--rounds 3] [--gpt2small-steps 3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCoreType } from '../model/engine/native/addon.js';
import { REFERENCE_CONFIG } from '../model/transformer/index.js';
import { BenchResults, cell } from './stats.js';
import { runtimeComparison } from './runtime-compare.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const cores = cpus().length;
const threadCounts = [...new Set(option('threads', `1,${cores}`).split(',').map(Number))];
const backends = option('backends', 'native').split(',');
const rounds = Number(option('rounds', '3'));
const gptSteps = option('gpt-steps', '5');
const convSteps = option('conv-steps', '10');
const torchPython = option('python', '/usr/bin/python3');
const SECTIONS = ['engine', 'runtime', 'gpt2small'];
const sections = option('only', 'engine,runtime').split(',');
for (const section of sections) {
  if (!SECTIONS.includes(section)) {
    console.error(`bench: --only takes ${SECTIONS.join(' or ')} (comma-separated), got '${section}'`);
    process.exit(2);
  }
}

type Json = Record<string, any>;

/** Training FLOPs of one reference GPT step as executed: 6 x tokens x (block weights + tied LM head) for the matmuls
 *  (forward 2, backward 4 per weight and token), plus 12 x tokens x L x T x d for QK^T and AV over the full T x T
 *  score matrix (both engines compute it whole, masked). Embedding lookups, LayerNorm, GELU, softmax and AdamW are
 *  not counted. */
function gptStepFlops(c = REFERENCE_CONFIG, batch = 16): number {
  const tokens = batch * c.blockSize;
  const weights = c.nLayer * 12 * c.dModel * c.dModel + c.vocabSize * c.dModel;
  return tokens * (6 * weights + 12 * c.nLayer * c.blockSize * c.dModel);
}

/** Training FLOPs of the conv step (conv 3-64-128-256, kernel 4, stride 2, 32x32 input, batch 64): per layer
 *  2 x MACs forward, 2 x MACs for the filter gradient, 2 x MACs for the input gradient (not for the first layer,
 *  whose input is the data). Bias, ReLU and Adam are not counted. */
function convStepFlops(batch = 64): number {
  const channels = [3, 64, 128, 256];
  let size = 32;
  let flops = 0;
  channels.slice(1).forEach((out, i) => {
    size /= 2;
    const macs = size * size * out * 4 * 4 * channels[i];
    flops += 2 * macs * (i === 0 ? 2 : 3);
  });
  return batch * flops;
}

function runJson(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): Json | string {
  const res = spawnSync(command, commandArgs, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return `failed (exit ${res.status}): ${(res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

const slowBackend = (backend: string) => backend !== 'native' && backend !== 'tensorflow' && backend !== 'tensorflow-gpu';

function engineArgs(backend: string): string[] {
  // The pure-JS paths take 10-60 s per GPT step: time fewer steps there.
  const slow = slowBackend(backend);
  return [join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(here, 'engine-steps.ts'), '--backend', backend,
    '--gpt-steps', slow ? '1' : gptSteps, '--conv-steps', slow ? '2' : convSteps, '--dim-steps', slow ? '1' : '5'];
}

// Both engines get the OpenBLAS core type our loader picks (Debian's OpenBLAS misdetects recent CPUs).
const baseEnv = { ...process.env };
if (!baseEnv.OPENBLAS_CORETYPE) {
  const core = existsSync('/proc/cpuinfo') ? detectCoreType(readFileSync('/proc/cpuinfo', 'utf8')) : undefined;
  if (core) baseEnv.OPENBLAS_CORETYPE = core;
}

const haveTorch = () => existsSync(torchPython) && spawnSync(torchPython, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const pinned = (threads: number) => ({
  ...baseEnv, DEMI_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads),
});

/** The engine table: GPT and conv training steps, greedy decoding and sgemm, against PyTorch. */
function engineBenchmark(): void {
  const torchInstalled = haveTorch();

  const results = new BenchResults<Json>();
  const key = (engine: string, threads: number) => `${engine}@${threads}`;
  for (let round = 0; round < rounds; round++) {
    for (const threads of threadCounts) {
      for (const backend of backends) {
        if (round > 0 && slowBackend(backend)) continue; // the pure-JS paths: one round
        process.stderr.write(`bench: round ${round + 1}/${rounds}, ${backend}, ${threads} thread(s)...\n`);
        results.record(key(backend, threads), runJson(process.execPath, engineArgs(backend), pinned(threads)));
      }
      if (torchInstalled) {
        process.stderr.write(`bench: round ${round + 1}/${rounds}, pytorch, ${threads} thread(s)...\n`);
        results.record(key('pytorch', threads), runJson(torchPython, [join(here, 'torch_reference.py'), '--gpt-steps', gptSteps,
          '--conv-steps', convSteps, '--threads', String(threads)], pinned(threads)));
      }
    }
  }

  const fmt = (v: number | undefined, digits = 0) => cell(v, digits);
  const ratio = (mine: number | undefined, torch: number | undefined) => (mine === undefined || torch === undefined ? '' : `${(mine / torch).toFixed(2)}x`);

  const GPT_FLOPS = gptStepFlops();
  const CONV_FLOPS = convStepFlops();
  const first = [...results.runs.values()][0]?.[0];
  console.log(`demi engine benchmark: equal thread counts, ${rounds} alternating round(s), medians of per-run medians`);
  if (first?.blas) console.log(`OpenBLAS core ${first.blas.coreName}; OPENBLAS_CORETYPE=${first.blas.coreType ?? '(unset)'}; ${cores} cores`);
  console.log(`GPT step: ${(GPT_FLOPS / 1e9).toFixed(1)} GFLOP (6L d256 T128 B16 V8000, Adam); conv step: ${(CONV_FLOPS / 1e9).toFixed(2)} GFLOP (conv 3-64-128-256 k4 s2, 32x32, B64, Adam)`);
  console.log('"%sgemm" = achieved GFLOP/s / the engine\'s raw OpenBLAS sgemm 2048x768x768 at the same thread count; ratios are step-time ratios to PyTorch at the same thread count (below 1.00x: faster).');
  console.log('');
  console.log('threads  engine      GPT ms  GFLOP/s  %sgemm  vs torch |  conv ms  GFLOP/s  %sgemm  vs torch |  greedy tok/s  vs torch |  sgemm GFLOP/s');
  for (const threads of threadCounts) {
    const torch = key('pytorch', threads);
    const torchGpt = results.median(torch, (r) => r.gpt?.stepMs);
    const torchConv = results.median(torch, (r) => r.conv?.stepMs);
    const torchGen = results.median(torch, (r) => r.generate?.tokensPerSecond);
    // the machine's rate at this thread count: OpenBLAS through the addon (the same library PyTorch links here)
    const machineSgemm = results.median(key('native', threads), (r) => r.rawSgemmGflops?.['2048x768x768']);
    for (const engine of [...backends, 'pytorch']) {
      const k = key(engine, threads);
      if (!results.runs.has(k)) continue;
      const gpt = results.median(k, (r) => r.gpt?.stepMs);
      const conv = results.median(k, (r) => r.conv?.stepMs);
      const gen = results.median(k, (r) => r.generate?.tokensPerSecond);
      const sgemm = results.median(k, (r) => r.rawSgemmGflops?.['2048x768x768'] ?? r.sgemmGflops?.['2048x768x768'] ?? r.tfMatMulGflops?.['2048x768x768']);
      const gptRate = gpt && GPT_FLOPS / (gpt * 1e6);
      const convRate = conv && CONV_FLOPS / (conv * 1e6);
      const share = (rate: number | undefined) => (rate && machineSgemm ? `${Math.round((100 * rate) / machineSgemm)}%` : '-');
      const isTorch = engine === 'pytorch';
      console.log([
        String(threads).padStart(7), engine.padEnd(9),
        fmt(gpt).padStart(8), fmt(gptRate, 1).padStart(8), share(gptRate).padStart(7), (isTorch ? '' : ratio(gpt, torchGpt)).padStart(9), '|',
        fmt(conv, 1).padStart(8), fmt(convRate, 1).padStart(8), share(convRate).padStart(7), (isTorch ? '' : ratio(conv, torchConv)).padStart(9), '|',
        fmt(gen).padStart(13), (isTorch ? '' : ratio(torchGen, gen)).padStart(9), '|',
        fmt(sgemm).padStart(14),
      ].join(' '));
    }
  }
  results.printFailures();
  if (!torchInstalled) console.log('pytorch: not installed (apt-get install python3-torch to compare)');
  console.log('\ngreedy "vs torch" is PyTorch\'s tokens/s over ours (below 1.00x: we are faster); greedy decoding is batch 1, 16-token prompt, 64 new tokens, KV cache in both.');
  if (args.includes('--json')) console.log(JSON.stringify(Object.fromEntries(results.runs)));
}

/** Training FLOPs of the GPT-2-small DEMI step: the LM pass over B x T tokens (blocks and tied head) and the
 *  response pass over B x Ty tokens (blocks only), 6 per weight and token, plus 12 x L x T x d per token for
 *  the full attention score matrices. The DEMI heads (768 x 128 projections of 5 rows each) are not counted. */
function gpt2SmallStepFlops(B = 4, T = 255, Ty = 64, L = 12, d = 768, V = 50257): number {
  const block = L * 12 * d * d;
  return B * T * (6 * (block + V * d) + 12 * L * T * d) + B * Ty * (6 * block + 12 * L * Ty * d);
}

/** GPT-2-small DEMI fine-tuning step, peak RSS and greedy decoding (GPT-2 small and the default model's shape). */
function gpt2SmallBenchmark(): void {
  const torchInstalled = haveTorch();
  const steps = option('gpt2small-steps', '3');
  const results = new BenchResults<Json>();
  const engines = torchInstalled ? ['native', 'pytorch'] : ['native'];
  for (let round = 0; round < rounds; round++) {
    for (const threads of threadCounts) {
      for (const engine of round % 2 === 0 ? engines : [...engines].reverse()) {
        process.stderr.write(`bench gpt2small: round ${round + 1}/${rounds}, ${engine}, ${threads} thread(s)...\n`);
        results.record(`${engine}@${threads}`, engine === 'native'
          ? runJson(process.execPath, [join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(here, 'engine-steps.ts'),
            // its training state (~2 GiB of weights, gradients and AdamW moments) and activations outgrow wasm's 4 GiB heap
            '--backend', 'native', '--only', 'gpt2small', '--gpt2small-steps', steps], { ...pinned(threads), DEMI_NATIVE_HOST: 'cpu' })
          : runJson(torchPython, [join(here, 'torch_reference.py'), '--gpt-steps', '0', '--conv-steps', '0', '--generate', '0',
            '--gpt2small-steps', steps, '--threads', String(threads)], pinned(threads)));
      }
    }
  }
  const fmt = (v: number | undefined, digits = 0) => cell(v, digits);
  const FLOPS = gpt2SmallStepFlops();
  console.log(`\nGPT-2-small DEMI fine-tuning step (12L d768 12 heads V50257, context 192 + response 63 + EOS, batch 4, M = 4, AdamW; ${(FLOPS / 1e9).toFixed(0)} GFLOP) and greedy decoding at batch 1 (KV cache), ${rounds} alternating round(s), medians`);
  console.log('threads  engine      step ms  GFLOP/s  vs torch  peak RSS MiB |  GPT-2 greedy tok/s  vs torch |  default-shape greedy tok/s  vs torch');
  for (const threads of threadCounts) {
    const torch = `pytorch@${threads}`;
    const torchStep = results.median(torch, (r) => r.gpt2small?.stepMs);
    const torchGpt2 = results.median(torch, (r) => r.gpt2smallGenerate?.tokensPerSecond);
    const torchChat = results.median(torch, (r) => r.defaultShapeGenerate?.tokensPerSecond);
    for (const engine of engines) {
      const k = `${engine}@${threads}`;
      if (!results.runs.has(k)) continue;
      const step = results.median(k, (r) => r.gpt2small?.stepMs);
      const gpt2 = results.median(k, (r) => r.gpt2smallGenerate?.tokensPerSecond);
      const chat = results.median(k, (r) => r.defaultShapeGenerate?.tokensPerSecond);
      const mine = engine !== 'pytorch';
      const ratio = (a: number | undefined, b: number | undefined) => (mine && a && b ? `${(a / b).toFixed(2)}x` : '');
      console.log([
        String(threads).padStart(7), engine.padEnd(9), fmt(step).padStart(10), fmt(step && FLOPS / (step * 1e6), 1).padStart(8),
        ratio(step, torchStep).padStart(9), fmt(results.median(k, (r) => r.maxRssMiB)).padStart(13), '|',
        fmt(gpt2, 1).padStart(19), ratio(torchGpt2, gpt2).padStart(9), '|', fmt(chat, 1).padStart(27), ratio(torchChat, chat).padStart(9),
      ].join(' '));
    }
  }
  results.printFailures();
  if (!torchInstalled) console.log('pytorch: not installed (apt-get install python3-torch to compare)');
  console.log('step "vs torch": our step time over PyTorch\'s; greedy "vs torch": PyTorch\'s tokens/s over ours (below 1.00x: we are faster). Peak RSS is the process\'s ru_maxrss (model, AdamW state, activations; the greedy runs come after).');
}

if (sections.includes('engine')) engineBenchmark();
if (sections.includes('gpt2small')) gpt2SmallBenchmark();
if (sections.includes('runtime')) {
  runtimeComparison({
    threads: option('runtime-threads', String(cores)).split(',').map(Number),
    rounds,
    models: option('runtime-models', 'default,gpt2-small').split(','),
    newTokens: Number(option('new-tokens', '32')),
    env: baseEnv,
  });
}

