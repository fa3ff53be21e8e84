/**
 * @jest-environment ./test/helpers/onnxruntime-environment.cjs
 *
 * `demi export --format onnx` (model/transformer/onnx.ts, model/dialogue/onnx-export.ts): onnxruntime's
 * logits equal the TF.js forward (float32 within 1e-4; float16 weights within 0.05), with and without the
 * KV cache and with left padding; transformers.js loads the exported directory with remote models off
 * and its greedy replies equal demi's; bad input is a one-line error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { tf, selectBackend } from '../../model/engine/index.js';
import { gptToOnnx, onnxCacheNames, type GPT } from '../../model/transformer/index.js';
import { loadDialogueModel, onnxExportFiles, promptFor, readDialogueCheckpoint, reply, type LoadedDialogueModel } from '../../model/dialogue/index.js';
import { writeTinyDemiCheckpoint, writeTinyHfGpt2 } from './tiny-checkpoints.js';

const root = mkdtempSync(join(tmpdir(), 'demi-onnx-'));
const demiCheckpoint = join(root, 'demi-checkpoint');
const hfCheckpoint = join(root, 'hf-gpt2');
let demiModel: LoadedDialogueModel;
let hfModel: LoadedDialogueModel;

function demi(args: string[]) {
  return spawnSync(process.execPath, ['bin/demi.mjs', ...args], { encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn' } });
}

beforeAll(async () => {
  await selectBackend();
  writeTinyDemiCheckpoint(demiCheckpoint);
  await writeTinyHfGpt2(hfCheckpoint);
  demiModel = await loadDialogueModel(demiCheckpoint);
  hfModel = await loadDialogueModel(hfCheckpoint);
});

afterAll(() => {
  demiModel?.dispose();
  hfModel?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const weightsOf = (model: GPT) => new Map([...model.weights()].map(([name, { data }]) => [name, data]));

/** onnxruntime's run of the exported graph: rows left-padded to one length, positions as transformers.js computes them. */
async function runOnnx(session: ort.InferenceSession, model: GPT, rows: number[][], past?: Record<string, ort.Tensor>, pastLength = 0) {
  const { nLayer, nHead, dModel } = model.config;
  const T = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * T);
  const mask = new BigInt64Array(rows.length * (pastLength + T));
  const positions = new BigInt64Array(rows.length * T);
  rows.forEach((row, b) => {
    const padding = T - row.length;
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = BigInt(t < padding ? 0 : row[t - padding]);
      // HF: position_ids = cumsum(attention_mask) - 1, with 1 at padding.
      positions[b * T + t] = BigInt(t < padding ? 1 : pastLength + t - padding);
    }
    for (let j = 0; j < pastLength + T; j++) mask[b * (pastLength + T) + j] = BigInt(j >= pastLength && j - pastLength < padding ? 0 : 1);
  });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [rows.length, T]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, pastLength + T]),
    position_ids: new ort.Tensor('int64', positions, [rows.length, T]),
  };
  const names = onnxCacheNames(nLayer);
  const empty = () => new ort.Tensor('float32', new Float32Array(0), [rows.length, nHead, 0, dModel / nHead]);
  for (let i = 0; i < nLayer; i++) {
    feeds[names.pastKeys[i]] = past?.[names.presentKeys[i]] ?? empty();
    feeds[names.pastValues[i]] = past?.[names.presentValues[i]] ?? empty();
  }
  return session.run(feeds);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** TF.js logits [T, V] of one unpadded row. */
function tfLogits(model: GPT, row: number[]): Float32Array {
  return tf.tidy(() => model.forward(tf.tensor2d([row], [1, row.length], 'int32')).dataSync() as Float32Array);
}

const PROMPTS = [[5, 17, 300, 42, 4], [900, 4, 12, 77, 1500, 33, 4, 250], [7]];

describe.each([
  ['demi checkpoint', () => demiModel],
  ['HF GPT-2 import', () => hfModel],
])('%s: onnxruntime equals the TF.js forward', (_name, loaded) => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    const model = loaded().model;
    session = await ort.InferenceSession.create(gptToOnnx(model.config, weightsOf(model)));
  });
  afterAll(() => session?.release());

  test('full forward of several prompts: logits within 1e-4', async () => {
    const model = loaded().model;
    for (const prompt of PROMPTS) {
      const row = prompt.map((id) => id % model.config.vocabSize);
      const out = await runOnnx(session, model, [row]);
      expect(out.logits.dims).toEqual([1, row.length, model.config.vocabSize]);
      expect(maxAbsDiff(out.logits.data as Float32Array, tfLogits(model, row))).toBeLessThan(1e-4);
    }
  });

  test('a left-padded batch: each row equals its own forward', async () => {
    const model = loaded().model;
    const rows = PROMPTS.map((p) => p.map((id) => id % model.config.vocabSize));
    const out = await runOnnx(session, model, rows);
    const T = Math.max(...rows.map((r) => r.length));
    const V = model.config.vocabSize;
    const all = out.logits.data as Float32Array;
    rows.forEach((row, b) => {
      const padding = T - row.length;
      const real = all.subarray((b * T + padding) * V, (b + 1) * T * V);
      expect(maxAbsDiff(real, tfLogits(model, row))).toBeLessThan(1e-4);
    });
  });

  test('incremental decoding with past_key_values equals the full forward, token by token', async () => {
    const model = loaded().model;
    const V = model.config.vocabSize;
    const row = PROMPTS[1].map((id) => id % V);
    const full = tfLogits(model, row);
    let out = await runOnnx(session, model, [row.slice(0, 3)]);
    expect(maxAbsDiff(out.logits.data as Float32Array, full.subarray(0, 3 * V))).toBeLessThan(1e-4);
    for (let t = 3; t < row.length; t++) {
      out = await runOnnx(session, model, [[row[t]]], out, t);
      expect(out['present.0.key'].dims).toEqual([1, model.config.nHead, t + 1, model.config.dModel / model.config.nHead]);
      expect(maxAbsDiff(out.logits.data as Float32Array, full.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-4);
    }
  });

  test('float16 weights: half the file, logits within 0.05', async () => {
    const model = loaded().model;
    const f32 = gptToOnnx(model.config, weightsOf(model));
    const f16 = gptToOnnx(model.config, weightsOf(model), { weightDtype: 'float16' });
    expect(f16.length).toBeLessThan(0.6 * f32.length);
    const halfSession = await ort.InferenceSession.create(f16);
    try {
      const row = PROMPTS[1].map((id) => id % model.config.vocabSize);
      const out = await runOnnx(halfSession, model, [row]);
      expect(maxAbsDiff(out.logits.data as Float32Array, tfLogits(model, row))).toBeLessThan(0.05);
    } finally {
      await halfSession.release();
    }
  });
});

const CONTEXTS = [
  ['Good morning, sir. Is there a bank near here?'],
  ['hi there', 'hello , how can i help ?', 'what colour is the sky ?'],
  ['Can you change some money for me?', "Sure. What's the exchange rate today?"],
  ['thanks a lot'],
];

describe.each([
  ['demi checkpoint', demiCheckpoint, () => demiModel],
  ['HF GPT-2 import', hfCheckpoint, () => hfModel],
])('%s: transformers.js runs the export offline', (name, checkpoint, loaded) => {
  const out = join(root, `export-${basename(checkpoint)}`);

  beforeAll(() => {
    const result = demi(['export', '--format', 'onnx', '--model', checkpoint, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('the directory has what transformers.js reads', () => {
    for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      expect(existsSync(join(out, file))).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const gpt = loaded().model.config;
    expect(config).toMatchObject({
      model_type: 'gpt2', n_layer: gpt.nLayer, n_head: gpt.nHead, n_embd: gpt.dModel, vocab_size: gpt.vocabSize,
      n_positions: gpt.blockSize, eos_token_id: loaded().format.eosId,
    });
    // A reply ends at EOS or at the turn separator, as demi's (model/dialogue/reply.ts withDialogueStops).
    const stops = [...new Set([loaded().format.eosId, loaded().format.sepId])];
    const generation = JSON.parse(readFileSync(join(out, 'generation_config.json'), 'utf8'));
    expect(generation).toMatchObject({ eos_token_id: stops.length === 1 ? stops[0] : stops, do_sample: false });
  });

  test('greedy replies (ids, decoded text, pipeline text) equal demi generate\'s greedy', async () => {
    const transformers = await import('@huggingface/transformers');
    transformers.env.allowRemoteModels = false;
    transformers.env.localModelPath = dirname(out);
    const tokenizer = await transformers.AutoTokenizer.from_pretrained(basename(out));
    const model = await transformers.AutoModelForCausalLM.from_pretrained(basename(out));
    const generator = await transformers.pipeline('text-generation', basename(out));
    const maxNewTokens = 12;
    const expected = await reply(loaded(), CONTEXTS, { maxNewTokens }, { yieldBetweenTokens: false });
    // Replies of several tokens, or the comparison below would prove little.
    expect(expected.filter((r) => r.tokenIds.length >= 3).length).toBeGreaterThanOrEqual(3);
    const sep = loaded().tokenizer.idToToken(loaded().format.sepId)!;
    const stops = new Set([loaded().format.eosId, loaded().format.sepId]);
    try {
      for (const [i, turns] of CONTEXTS.entries()) {
        const text = turns.map((t) => `${t}${sep}`).join('');
        const inputs = tokenizer(text);
        const promptIds = (inputs.input_ids.tolist() as bigint[][])[0].map(Number);
        expect(promptIds).toEqual(promptFor(loaded(), turns, maxNewTokens));
        const generated = await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false });
        let newIds = ((generated as { tolist(): bigint[][] }).tolist())[0].map(Number).slice(promptIds.length);
        if (stops.has(newIds[newIds.length - 1])) newIds = newIds.slice(0, -1);
        expect({ name, context: i, ids: newIds }).toEqual({ name, context: i, ids: expected[i].tokenIds });
        expect(tokenizer.decode(newIds, { skip_special_tokens: true })).toBe(expected[i].text);
        const [{ generated_text: pipelineText }] = await generator(text, { max_new_tokens: maxNewTokens, return_full_text: false }) as { generated_text: string }[];
        // The pipeline cuts the prompt's decoded length from the decoded whole, so where the tokenizer's
        // decoder drops the space of a text's first word (SentencePiece's "▁"), the reply keeps it.
        const startsWord = loaded().tokenizer.kind === 'sentencepiece' && loaded().tokenizer.idToToken(newIds[0])?.startsWith('\u2581');
        expect(pipelineText).toBe(`${startsWord ? ' ' : ''}${expected[i].text}`);
      }
    } finally {
      await model.dispose();
      await generator.dispose();
    }
  });
});

test('--dtype f16: transformers.js loads onnx/model_fp16.onnx by default and its logits are within 0.05', async () => {
  const out = join(root, 'export-f16');
  expect(demi(['export', '--format', 'onnx', '--dtype', 'f16', '--model', demiCheckpoint, '--out', out]).status).toBe(0);
  expect(existsSync(join(out, 'onnx', 'model.onnx'))).toBe(false);
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.localModelPath = dirname(out);
  const model = await transformers.AutoModelForCausalLM.from_pretrained(basename(out));
  try {
    const row = PROMPTS[1];
    const ids = new transformers.Tensor('int64', BigInt64Array.from(row.map(BigInt)), [1, row.length]);
    const mask = new transformers.Tensor('int64', new BigInt64Array(row.length).fill(1n), [1, row.length]);
    const { logits } = await model({ input_ids: ids, attention_mask: mask }) as { logits: { data: Float32Array } };
    expect(maxAbsDiff(logits.data, tfLogits(demiModel.model, row))).toBeLessThan(0.05);
  } finally {
    await model.dispose();
  }
});

describe('demi export --format onnx: input it refuses', () => {
  test('a model directory without config.json is a one-line error', () => {
    const empty = join(root, 'no-config');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'x');
    const result = demi(['export', '--format', 'onnx', '--model', empty, '--out', join(root, 'never')]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^demi: .*no-config.*config\.json/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  test('an unknown --format is refused', () => {
    const result = demi(['export', '--format', 'tflite', '--model', demiCheckpoint, '--out', join(root, 'never')]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--format must be safetensors or onnx, got tflite/);
  });

  test('an export over an earlier ONNX export replaces it and keeps the user\'s files; a checkpoint is not overwritten', () => {
    const out = join(root, 'again');
    expect(demi(['export', '--format', 'onnx', '--model', demiCheckpoint, '--out', out]).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const again = demi(['export', '--format', 'onnx', '--dtype', 'f16', '--model', demiCheckpoint, '--out', out]);
    expect(again.status).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(out, 'onnx', 'model_fp16.onnx'))).toBe(true);
    expect(existsSync(join(out, 'onnx', 'model.onnx'))).toBe(false);
    // A safetensors export over it takes the onnx/ folder the ONNX export wrote, and nothing else.
    const safetensors = demi(['export', '--model', demiCheckpoint, '--out', out]);
    expect(safetensors.stderr).toBe('');
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'onnx'))).toBe(false);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    const refused = demi(['export', '--format', 'onnx', '--model', hfCheckpoint, '--out', demiCheckpoint]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/not empty and is not an earlier export/);
  });

  test('the files do not depend on TF.js: the export of the read checkpoint is the CLI\'s', async () => {
    const files = onnxExportFiles(await readDialogueCheckpoint(demiCheckpoint));
    const written = readFileSync(join(root, `export-${basename(demiCheckpoint)}`, 'onnx', 'model.onnx'));
    expect(Buffer.compare(Buffer.from(files['onnx/model.onnx'] as Uint8Array), written)).toBe(0);
  });
});
