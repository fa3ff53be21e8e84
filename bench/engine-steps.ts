/**
 * One backend's engine benchmark, run in its own process (kernel registrations are per process):
 * `tsx bench/engine-steps.ts --backend native --json`. Prints one JSON object.
 */
import { tf, selectBackend, AdamW, loadNativeAddon } from '../model/engine/index.js';
import { SeededRandom } from '../core/index.js';
import { GPT, REFERENCE_CONFIG, lmLoss } from '../model/transformer/index.js';
import { median, timeRuns } from './stats.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backend = option('backend', 'native');
const gptSteps = Number(option('gpt-steps', '5'));
const convSteps = Number(option('conv-steps', '10'));
// gpt2small is its own run (bench/run.ts --only gpt2small): its peak memory must be its own
const only = option('only', 'sgemm,gpt,conv,dim,generate').split(',');
const dimSteps = Number(option('dim-steps', '5'));

const info = await selectBackend(backend);
const result: Record<string, unknown> = { backend: info.name, tfBackend: info.tfBackend, blas: info.blas };
const rng = new SeededRandom(7);

function gflops(m: number, n: number, k: number, ms: number) {
  return (2 * m * n * k) / (ms * 1e6);
}

if (only.includes('sgemm')) {
  const shapes: [number, number, number][] = [[512, 512, 512], [2048, 768, 768], [64, 768, 3072]];
  const rows: Record<string, number> = {};
  for (const [m, n, k] of shapes) {
    const a = tf.tensor(rng.normalArray(m * k), [m, k]);
    const b = tf.tensor(rng.normalArray(k * n), [k, n]);
    tf.tidy(() => tf.matMul(a, b).dataSync());
    const times = timeRuns(info.nativeKernels ? 15 : 3, () => tf.tidy(() => { tf.matMul(a, b).dataSync(); }));
    const timesT = timeRuns(info.nativeKernels ? 15 : 3, () => tf.tidy(() => { tf.matMul(a, tf.transpose(b), false, true).dataSync(); }));
    rows[`${m}x${n}x${k}`] = gflops(m, n, k, median(times));
    rows[`${m}x${n}x${k} transB`] = gflops(m, n, k, median(timesT));
    a.dispose();
    b.dispose();
  }
  result.tfMatMulGflops = rows;
  const addon = loadNativeAddon().addon;
  if (addon && info.nativeKernels) {
    const raw: Record<string, number> = {};
    for (const [m, n, k] of shapes) {
      const a = rng.normalArray(m * k);
      const b = rng.normalArray(k * n);
      const c = new Float32Array(m * n);
      const times = timeRuns(15, () => addon.gemm(1, m, n, k, 0, 0, a, 0, b, 0, c, 1, 0));
      raw[`${m}x${n}x${k}`] = gflops(m, n, k, median(times));
    }
    result.rawSgemmGflops = raw;
  }
}

if (only.includes('gpt') && gptSteps > 0) {
  const config = { ...REFERENCE_CONFIG };
  const batch = 16;
  const model = new GPT(config, rng);
  const optimizer = new AdamW({ learningRate: 3e-4, weightDecay: 0 });
  const T = config.blockSize;
  const tokens = Int32Array.from({ length: batch * (T + 1) }, () => rng.int(config.vocabSize));
  const inputs = new Int32Array(batch * T);
  const labels = new Int32Array(batch * T);
  for (let b = 0; b < batch; b++) {
    inputs.set(tokens.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    labels.set(tokens.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
  }
  const ids = tf.tensor2d(inputs, [batch, T], 'int32');
  const targets = tf.tensor2d(labels, [batch, T], 'int32');
  const losses: number[] = [];
  const step = () => {
    const { value, grads } = tf.variableGrads(() => lmLoss(model.forward(ids), targets, labels).loss, Object.values(model.variables));
    optimizer.apply(model.variables, grads);
    losses.push(value.dataSync()[0]);
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const times = timeRuns(gptSteps, step);
  const ms = median(times);
  result.gpt = { config, batch, stepMs: ms, stepsMs: times, tokensPerSecond: (batch * T) / (ms / 1000), losses, params: model.parameterCount };
  ids.dispose();
  targets.dispose();
  optimizer.dispose();
  model.dispose();
}

if (only.includes('conv') && convSteps > 0) {
  const batch = 64;
  const channels = [3, 64, 128, 256];
  const filters = channels.slice(1).map((out, i) => {
    const fanIn = 4 * 4 * channels[i];
    const init = tf.tensor(rng.normalArray(16 * channels[i] * out, Math.sqrt(2 / fanIn)), [4, 4, channels[i], out]);
    const v = tf.variable(init, true, `conv${i}`);
    init.dispose();
    return v;
  });
  const biases = channels.slice(1).map((out, i) => tf.variable(tf.zeros([out]), true, `conv${i}_bias`));
  const variables: Record<string, tf.Variable> = {};
  [...filters, ...biases].forEach((v) => { variables[v.name] = v; });
  const images = tf.tensor4d(rng.uniformArray(batch * 32 * 32 * 3), [batch, 32, 32, 3]);
  const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      let x: tf.Tensor4D = images;
      for (let i = 0; i < filters.length; i++) {
        x = tf.relu(tf.add(tf.conv2d(x, filters[i] as tf.Tensor4D, 2, 'same'), biases[i])) as tf.Tensor4D;
      }
      return tf.mean(tf.square(x)) as tf.Scalar;
    }, Object.values(variables));
    optimizer.apply(variables, grads);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const times = timeRuns(convSteps, step);
  const ms = median(times);
  result.conv = { batch, stepMs: ms, stepsMs: times, imagesPerSecond: batch / (ms / 1000) };
  images.dispose();
  optimizer.dispose();
  tf.dispose(Object.values(variables));
}

if (only.includes('dim') && dimSteps > 0) {
  // A whole DIM(L) training step: basic32x32 encoder, local MI1x1ConvNet critics (512 units), JSD, Adam.
  const { VisionModel, loadVisionTrainConfig, visionModelConfig } = await import('../model/vision/index.js');
  const config = loadVisionTrainConfig(undefined, ['method="dim-local"', 'objective.gamma=0']);
  const model = new VisionModel(visionModelConfig(config, 3), 1);
  const batch = 64;
  const images = tf.tensor4d(rng.uniformArray(batch * 32 * 32 * 3, -1, 1), [batch, 32, 32, 3]);
  const optimizer = new AdamW({ learningRate: 1e-4, weightDecay: 0 });
  const step = () => {
    const { value, grads } = tf.variableGrads(() => model.loss(images, batch, { training: true }).loss, Object.values(model.variables));
    optimizer.apply(model.variables, grads);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const times = timeRuns(dimSteps, step);
  const ms = median(times);
  result.dim = { batch, miUnits: config.objective.miUnits, stepMs: ms, imagesPerSecond: batch / (ms / 1000) };
  images.dispose();
  optimizer.dispose();
}

/**
 * The decoding path users get (model/generation with the KV cache), greedy at batch 1: the median of 3
 * generations of `newTokens` after 16-token random prompts with ids below `promptVocab`.
 */
async function timeGreedy(model: GPT, newTokens: number, promptVocab = model.config.vocabSize) {
  const { generate } = await import('../model/generation/index.js');
  const promptLength = 16;
  const tokenizer = { decode: (ids: readonly number[]) => ids.join(' ') };
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const prompt = Array.from({ length: promptLength }, () => rng.int(promptVocab));
    const start = performance.now();
    const out = await generate(model, prompt, { maxNewTokens: newTokens }, { tokenizer, yieldBetweenTokens: false });
    runs.push(performance.now() - start);
    if (out.tokenIds.length !== newTokens) throw new Error(`generated ${out.tokenIds.length} tokens, expected ${newTokens}`);
  }
  const ms = median(runs);
  return { promptLength, newTokens, ms, tokensPerSecond: newTokens / (ms / 1000) };
}

if (only.includes('generate')) {
  const model = new GPT(REFERENCE_CONFIG, rng);
  result.generate = await timeGreedy(model, 64);
  model.dispose();
}

if (only.includes('gpt2small')) {
  // The user's real case (issue: fine-tuning a pretrained GPT-2 with DEMI on a CPU): GPT-2 small's shape,
  // context 192 + response 63 + EOS in a 256 block, batch 4, DEMI M = 4 heads on, AdamW. Run alone in its
  // own process (bench/run.ts), so maxRSS is this case's peak. Weights are random: speed does not depend on them.
  const { DemiHeads, dialogueLoss, makeDialogueBatch } = await import('../model/dialogue/index.js');
  const config = { vocabSize: 50257, blockSize: 256, nLayer: 12, nHead: 12, dModel: 768, dropout: 0, layerNormEpsilon: 1e-5 };
  const objective = { lambda: 0.1, levels: 4, tau: 0.1, split: 'response' as const, projectionDim: 128 };
  const batch = 4;
  const model = new GPT(config, rng);
  const heads = new DemiHeads(config.dModel, objective.projectionDim, rng);
  const format = { sepId: 50256, eosId: 50256, padId: 50256 };
  const examples = Array.from({ length: batch }, () => ({
    contextIds: [...Array.from({ length: 191 }, () => rng.int(50000)), format.sepId],
    responseIds: Array.from({ length: 63 }, () => rng.int(50000)),
  }));
  const dialogueBatch = makeDialogueBatch(examples, format, objective.levels);
  const variables = { ...model.variables, ...heads.variables };
  const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 0.01 });
  const losses: number[] = [];
  const step = () => {
    const { value, grads } = tf.variableGrads(() => dialogueLoss(model, heads, dialogueBatch, objective).loss, Object.values(variables));
    optimizer.apply(variables, grads);
    losses.push(value.dataSync()[0]);
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const times = timeRuns(Number(option('gpt2small-steps', '3')), step);
  const ms = median(times);
  result.gpt2small = { config, batch, T: dialogueBatch.T, Ty: dialogueBatch.Ty, levels: objective.levels, stepMs: ms, stepsMs: times, losses };
  optimizer.dispose();
  heads.dispose();

  result.gpt2smallGenerate = await timeGreedy(model, 32, 50000);
  model.dispose();
  // models/default's shape (4L d256 4 heads V8000), the chat server's case: 64 new tokens
  const chat = new GPT({ vocabSize: 8000, blockSize: 128, nLayer: 4, nHead: 4, dModel: 256, dropout: 0, layerNormEpsilon: 1e-5 }, rng);
  result.defaultShapeGenerate = await timeGreedy(chat, 64);
  chat.dispose();
  // ru_maxrss of the whole process (KiB on Linux): model, optimizer state, activations of the step
  result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
}

result.numTensors = tf.memory().numTensors;
console.log(JSON.stringify(result));
