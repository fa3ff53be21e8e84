/**
 * The generation worker (a node:worker_threads thread): selects the TF.js backend, loads the model,
 * then runs one generation at a time on request of the main thread. Everything tensor-shaped
 * happens here, so the main thread's event loop stays free for sockets, HTTP and health checks.
 *
 * `generate` yields to this thread's event loop after every token, so a `cancel` message is seen
 * (and the AbortSignal fired) before the next token is computed. With `rerank` the candidates are
 * decoded as one batch and the critic's choice is sent whole once it is made.
 *
 * With `runtime: 'onnx'` the worker also builds the loaded checkpoint's ONNX graph in memory and opens
 * it in onnxruntime-node; every generation then decodes through it (`GenerateOptions.decoder`), with the
 * same decoding loops and logits processors as TF.js, while the rerank critic stays on TF.js.
 */
import { basename, dirname, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, selectBackend, tf } from '../../model/engine/index.js';
import { loadDialogueModel, promptFor, reply, withDialogueStops, type LoadedDialogueModel } from '../../model/dialogue/index.js';
import {
  generate, GenerationConfigError, GenerationInputError, onnxRuntimeDecoder, type FinishReason as GenerationFinish, type GenerationResult, type OnnxRuntime,
} from '../../model/generation/index.js';
import { cancelledUnstarted, type FinishReason, type Job, type Outcome } from '../job.js';
import { maxTokensLimit, type ModelInfo } from '../model-info.js';
import { toGenerationConfig } from '../params.js';
import type { FromWorker, ToWorker, WorkerStartData, WorkerStats } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('generation-worker.ts runs as a worker thread (server/worker/entry.mjs), not directly');
const start = workerData as WorkerStartData;

const send = (message: FromWorker) => port.postMessage(message);
const emit = (job: Job, outcome: Outcome) => send({ type: 'outcome', id: job.id, outcome });

let loaded: LoadedDialogueModel | undefined;
/** The onnxruntime session decoding for this worker (`runtime: 'onnx'`); undefined: TF.js decodes. */
let onnx: OnnxRuntime | undefined;
let baselineTensors = 0;
let generations = 0;
/** The running generation (one at a time). */
let running: { id: string; controller: AbortController; tokens: number; tokensAtCancel?: number } | undefined;
/** A job waits here while another runs (the main thread schedules one at a time; this is a safety net). */
const waiting: Job[] = [];

function stats(): WorkerStats {
  const memory = tf.memory();
  return { numTensors: memory.numTensors, numBytes: memory.numBytes, baselineTensors, generations, onnxForwardPasses: onnx?.runs ?? 0 };
}

/** `best`/`last` say little on their own: name the model after its run directory as well. */
function modelId(dir: string): string {
  const name = basename(resolve(dir));
  return ['best', 'last'].includes(name) ? `${basename(dirname(resolve(dir)))}-${name}` : name;
}

async function load(): Promise<void> {
  const t0 = performance.now();
  await selectBackend(start.backend);
  loaded = await loadDialogueModel(start.modelDir);
  if (start.runtime === 'onnx') onnx = await onnxRuntimeDecoder(loaded.model);
  baselineTensors = tf.memory().numTensors;
  const backend = backendInfo()!;
  const { model: m, config } = loaded;
  const info: ModelInfo = {
    id: modelId(start.modelDir),
    dir: resolve(start.modelDir),
    backend: { name: backend.name, tfBackend: backend.tfBackend, nativeKernels: backend.nativeKernels, threads: backend.blas?.threads ?? null },
    runtime: onnx ? { name: 'onnx', onnxruntime: onnx.version, intraOpNumThreads: onnx.intraOpNumThreads } : { name: 'tfjs' },
    architecture: { vocabSize: m.config.vocabSize, blockSize: m.config.blockSize, nLayer: m.config.nLayer, nHead: m.config.nHead, dModel: m.config.dModel },
    parameters: m.parameterCount,
    tokenizer: `${loaded.tokenizer.kind} (${loaded.tokenizer.vocabSize} ids)`,
    maxResponseTokens: Math.min(config.maxResponseTokens, maxTokensLimit(m.config.blockSize)),
    maxTokensLimit: maxTokensLimit(m.config.blockSize),
    demiCritic: loaded.heads !== null,
    ...(config.license ? { license: config.license } : {}),
    loadedAt: Date.now(),
    loadMs: Math.round(performance.now() - t0),
  };
  send({ type: 'ready', info, stats: stats() });
}

const served = (reason: GenerationFinish): FinishReason => (reason === 'length' ? 'length' : reason === 'cancelled' ? 'cancelled' : 'stop');

async function run(job: Job): Promise<void> {
  const model = loaded!;
  const { params } = job;
  const slot = { id: job.id, controller: new AbortController(), tokens: 0 } as NonNullable<typeof running>;
  running = slot;
  try {
    // the same prompt reply() builds for rerank: one definition of the context's budget
    const prompt = promptFor(model, job.turns, params.maxTokens);
    const promptTurns = countTurns(prompt, model.format.sepId);
    // generate() decodes the whole generated sequence after every token when streaming: counting
    // here gives the exact number of tokens produced so far (used to check cancellation latency).
    const tokenizer = {
      decode: (ids: readonly number[]) => {
        slot.tokens = ids.length;
        return model.tokenizer.decode(ids);
      },
    };
    const config = withDialogueStops(model, toGenerationConfig(params));
    const onText = (delta: string) => {
      if (job.stream && delta.length > 0) emit(job, { kind: 'delta', text: delta });
    };
    let result: GenerationResult;
    if (params.rerank > 1) {
      // the candidates are sampled through the worker's runtime, the critic scores them on TF.js
      [result] = await reply(model, [job.turns], config, { rerank: params.rerank, signal: slot.controller.signal, onText, decoder: onnx?.decoder });
      // nothing reaches the reader before the critic has chosen
      result.timings.firstTokenMs = result.timings.totalMs;
    } else {
      result = await generate(model.model, prompt, config, { tokenizer, signal: slot.controller.signal, onText, decoder: onnx?.decoder });
    }
    generations++;
    const { promptTokens, completionTokens } = result.usage;
    const generationS = result.timings.totalMs / 1000;
    emit(job, {
      kind: 'done', text: result.text, finishReason: served(result.finishReason),
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      timings: {
        queueMs: 0, ttftMs: result.timings.firstTokenMs, totalMs: result.timings.totalMs,
        tokensPerSecond: generationS > 0 && completionTokens > 0 ? completionTokens / generationS : null,
      },
      promptTurns,
      ...(slot.tokensAtCancel !== undefined ? { tokensAfterCancel: result.tokenIds.length - slot.tokensAtCancel } : {}),
    });
  } catch (err) {
    const error = err as Error;
    const known = err instanceof GenerationConfigError || err instanceof GenerationInputError;
    emit(job, { kind: 'error', error: { code: known ? 'invalid_request' : 'internal', message: known ? error.message : `generation failed: ${error.message}` } });
  } finally {
    running = undefined;
  }
}

/** Turns in an encoded context: each ends with the separator. */
function countTurns(ids: readonly number[], sepId: number): number {
  let n = 0;
  for (const id of ids) if (id === sepId) n++;
  return n;
}

async function drain(): Promise<void> {
  while (!running && waiting.length > 0) await run(waiting.shift()!);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'run':
      waiting.push(message.job);
      if (loaded) void drain();
      break;
    case 'cancel': {
      const i = waiting.findIndex((w) => w.id === message.id);
      if (i >= 0) {
        const [job] = waiting.splice(i, 1);
        emit(job, cancelledUnstarted());
      } else if (running?.id === message.id && !running.controller.signal.aborted) {
        running.tokensAtCancel = running.tokens;
        running.controller.abort();
      }
      break;
    }
    case 'stats':
      send({ type: 'stats', id: message.id, stats: stats() });
      break;
  }
});

load().then(() => drain(), (err: unknown) => {
  send({ type: 'load-error', message: (err as Error).message });
});
