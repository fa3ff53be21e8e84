/**
 * The runtime section of `npm run bench` (`npm run bench -- --only runtime` runs it alone): greedy
 * decoding through `generate` on TF.js's native engine vs onnxruntime-node, at EQUAL thread counts
 * (DEMI_THREADS = t for the engine, intraOpNumThreads = t for onnxruntime), for models/default and a
 * GPT-2-small-shaped model with random weights. Every measurement is its own process
 * (bench/runtime-decoding.ts); rounds alternate the runtimes, and which goes first, so host noise hits
 * both alike. Each cell is the median over rounds of the per-process medians.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchResults, cell } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface RuntimeComparisonOptions {
  threads: number[];
  rounds: number;
  models: string[];
  newTokens: number;
  env: NodeJS.ProcessEnv;
}

type Run = Record<string, any>;

const RUNTIMES = ['tfjs', 'onnx'] as const;

function decode(runtime: string, model: string, threads: number, options: RuntimeComparisonOptions): Run | string {
  const env = { ...options.env, DEMI_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), DEMI_LOG_LEVEL: 'warn' };
  const res = spawnSync(process.execPath, [join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(here, 'runtime-decoding.ts'),
    '--runtime', runtime, '--model', model, '--new-tokens', String(options.newTokens)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Run;
  } catch {
    return `failed (exit ${res.status}): ${(res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

/** Runs the comparison and prints its table. */
export function runtimeComparison(options: RuntimeComparisonOptions): void {
  const results = new BenchResults<Run>();
  const key = (model: string, threads: number, runtime: string) => `${model}@${threads}:${runtime}`;
  const loadBefore = loadavg()[0];
  for (let round = 0; round < options.rounds; round++) {
    for (const model of options.models) {
      for (const threads of options.threads) {
        const order = round % 2 === 0 ? RUNTIMES : [...RUNTIMES].reverse();
        for (const runtime of order) {
          process.stderr.write(`bench runtime: round ${round + 1}/${options.rounds}, ${model}, ${runtime}, ${threads} thread(s)...\n`);
          results.record(key(model, threads, runtime), decode(runtime, model, threads, options));
        }
      }
    }
  }

  const fmt = (v: number | undefined, digits = 1) => cell(v, digits);
  const first = [...results.runs.values()].flat().find((r) => r.onnxruntime);
  console.log(`\nruntime comparison: greedy decoding through generate(), TF.js native engine vs onnxruntime-node ${first?.onnxruntime ?? '?'},`);
  console.log(`equal threads (DEMI_THREADS = onnxruntime intraOpNumThreads = t), ${options.rounds} alternating round(s), medians over rounds of`);
  console.log(`per-process medians of 3 generations; ${first?.promptLength ?? '?'}-token random prompts, ${options.newTokens} new tokens per row, no EOS, KV cache.`);
  console.log('tok/s = rows x new tokens / the whole call (prompt pass included); first token = call to the first chosen token.');
  console.log(`${cpus().length} cores (${cpus()[0]?.model ?? '?'}); 1-minute load average ${loadBefore.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end.`);
  console.log('');
  console.log('model        params  threads  runtime  b1 tok/s  b8 tok/s  first token b1 ms  first token b8 ms  setup ms  | onnx/tfjs b1  b8  first b1');
  for (const model of options.models) {
    for (const threads of options.threads) {
      const stat = (runtime: string, pick: (r: Run) => number | undefined) => results.median(key(model, threads, runtime), pick);
      for (const runtime of RUNTIMES) {
        const list = results.runs.get(key(model, threads, runtime));
        if (!list) continue;
        const b1 = stat(runtime, (r) => r.batch1?.tokensPerSecond);
        const b8 = stat(runtime, (r) => r.batch8?.tokensPerSecond);
        const f1 = stat(runtime, (r) => r.batch1?.firstTokenMs);
        const f8 = stat(runtime, (r) => r.batch8?.firstTokenMs);
        const setup = stat(runtime, (r) => r.setup?.sessionMs);
        const ratio = (pick: (r: Run) => number | undefined) => {
          const onnx = stat('onnx', pick);
          const tfjs = stat('tfjs', pick);
          return onnx !== undefined && tfjs !== undefined ? `${(onnx / tfjs).toFixed(2)}x` : '-';
        };
        const params = `${(list[0].parameters / 1e6).toFixed(1)}M`;
        console.log([
          model.padEnd(11), params.padStart(7), String(threads).padStart(8), runtime.padStart(8),
          fmt(b1).padStart(9), fmt(b8).padStart(9), fmt(f1).padStart(17), fmt(f8).padStart(17),
          (runtime === 'onnx' ? fmt(setup, 0) : '').padStart(9), ' |',
          runtime === 'onnx' ? [ratio((r) => r.batch1?.tokensPerSecond).padStart(12), ratio((r) => r.batch8?.tokensPerSecond).padStart(4), ratio((r) => r.batch1?.firstTokenMs).padStart(9)].join(' ') : '',
        ].join(' '));
      }
    }
  }
  console.log('setup ms: building the ONNX graph from the loaded weights and opening the onnxruntime session (what --runtime onnx adds to a worker\'s start).');
  console.log('onnx/tfjs: above 1.00x, onnxruntime decodes more tokens/s (b1, b8), or takes longer to the first token (first b1).');
  results.printFailures();
}
