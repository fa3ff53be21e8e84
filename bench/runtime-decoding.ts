/**
 * One runtime's greedy decoding benchmark, run in its own process by `npm run bench` (its runtime
 * section): `tsx bench/runtime-decoding.ts --runtime tfjs|onnx --model default|gpt2-small`. Prints one
 * JSON object. Both runtimes decode through model/generation's `generate` (the same loop, processors
 * and greedy choice); only the forward passes differ: TF.js on the native engine (DEMI_THREADS threads)
 * or onnxruntime-node on the model's ONNX graph (intraOpNumThreads = DEMI_THREADS).
 *
 * Measured per batch size (1 and 8 by default), after one untimed warm-up generation:
 * - tokens/s: batch x new tokens / the whole `generate` call (prompt pass included), greedy, no EOS,
 *   so every row generates exactly `--new-tokens`;
 * - first-token latency: from the call to the first chosen token (the prompt pass and one choice).
 * Each is the median of `--repeats` generations with different random prompts of `--prompt-length`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../core/index.js';
import { selectBackend, threadsFromEnvironment, tf } from '../model/engine/index.js';
import { loadDialogueModel } from '../model/dialogue/index.js';
import { generate, onnxRuntimeDecoder, type OnnxRuntime } from '../model/generation/index.js';
import { GPT, type GPTConfig } from '../model/transformer/index.js';
import { median } from './stats.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const runtimeName = option('runtime', 'tfjs');
const modelName = option('model', 'default');
const batchSizes = option('batches', '1,8').split(',').map(Number);
const promptLength = Number(option('prompt-length', '16'));
const newTokens = Number(option('new-tokens', '32'));
const repeats = Number(option('repeats', '3'));
if (runtimeName !== 'tfjs' && runtimeName !== 'onnx') throw new Error(`--runtime is tfjs or onnx, got ${runtimeName}`);

/** GPT-2 small's shape (124M parameters), with random weights: no download, the timing does not depend on them. */
const GPT2_SMALL_SHAPE: GPTConfig = { vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, dModel: 768, dropout: 0, layerNormEpsilon: 1e-5 };

const threads = threadsFromEnvironment();
const backend = await selectBackend('native');
const setupStart = performance.now();
const loaded = modelName === 'default'
  ? await loadDialogueModel(join(fileURLToPath(new URL('.', import.meta.url)), '..', 'models', 'default'))
  : undefined;
if (!loaded && modelName !== 'gpt2-small') throw new Error(`--model is default or gpt2-small, got ${modelName}`);
const model = loaded?.model ?? new GPT(GPT2_SMALL_SHAPE, new SeededRandom(1));
const modelMs = performance.now() - setupStart;
const sessionStart = performance.now();
const onnx: OnnxRuntime | undefined = runtimeName === 'onnx' ? await onnxRuntimeDecoder(model, threads ? { intraOpNumThreads: threads } : {}) : undefined;
const sessionMs = performance.now() - sessionStart;

const random = new SeededRandom(7);
const tokenizer = { decode: () => '' };
const config = { maxNewTokens: newTokens };
const options = { tokenizer, yieldBetweenTokens: false, decoder: onnx?.decoder };
const prompts = (batch: number) => Array.from({ length: batch }, () => Array.from({ length: promptLength }, () => random.int(model.config.vocabSize)));

const rows: Record<string, { tokensPerSecond: number; firstTokenMs: number; totalMs: number }> = {};
await generate(model, prompts(1), config, options); // warm-up: first-run allocations and kernel set-up
for (const batch of batchSizes) {
  const rates: number[] = [];
  const firsts: number[] = [];
  const totals: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const results = await generate(model, prompts(batch), config, options);
    const ms = performance.now() - start;
    for (const result of results) {
      if (result.tokenIds.length !== newTokens) throw new Error(`generated ${result.tokenIds.length} tokens, expected ${newTokens}`);
    }
    rates.push((batch * newTokens) / (ms / 1000));
    firsts.push(Math.min(...results.map((result) => result.timings.firstTokenMs!)));
    totals.push(ms);
  }
  rows[`batch${batch}`] = { tokensPerSecond: median(rates), firstTokenMs: median(firsts), totalMs: median(totals) };
}

console.log(JSON.stringify({
  runtime: runtimeName, model: modelName, config: model.config, parameters: model.parameterCount,
  backend: backend.name, threads: threads ?? null, intraOpNumThreads: onnx ? onnx.intraOpNumThreads : null, onnxruntime: onnx?.version ?? null,
  promptLength, newTokens, repeats, setup: { modelMs, sessionMs }, ...rows,
  rssMb: process.memoryUsage().rss / 2 ** 20, numTensors: tf.memory().numTensors,
}));
await onnx?.release();
if (loaded) loaded.dispose();
else model.dispose();
