/**
 * @jest-environment ./test/helpers/onnxruntime-environment.cjs
 *
 * Decoding through onnxruntime (model/generation/onnx-decoder.ts, `demi generate --runtime onnx`)
 * gives what the TF.js decoder gives: greedy on a left-padded batch, with and without the KV cache,
 * beam search (cache rows gathered and duplicated), and the dialogue replies of `demi generate`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../model/engine/index.js';
import { generate, onnxRuntimeDecoder, type OnnxRuntime } from '../../model/generation/index.js';
import { loadDialogueModel, reply, type LoadedDialogueModel } from '../../model/dialogue/index.js';
import { expectTensorCountFlat } from '../helpers/memory.js';
import { writeTinyDemiCheckpoint } from '../export/tiny-checkpoints.js';

const root = mkdtempSync(join(tmpdir(), 'demi-onnx-decoder-'));
const checkpoint = join(root, 'checkpoint');
let loaded: LoadedDialogueModel;
let runtime: OnnxRuntime;

beforeAll(async () => {
  await selectBackend();
  writeTinyDemiCheckpoint(checkpoint, 21);
  loaded = await loadDialogueModel(checkpoint);
  runtime = await onnxRuntimeDecoder(loaded.model);
});

afterAll(async () => {
  await runtime?.release();
  loaded?.dispose();
  rmSync(root, { recursive: true, force: true });
});

// Different lengths, so the batch is left-padded.
const PROMPTS = [[5, 17, 300, 42, 4], [900, 4], [7, 8, 9, 10, 11, 12, 13, 4], [2500, 31, 4]];

test.each([
  ['greedy, KV cache', { maxNewTokens: 12 }],
  ['greedy, no cache', { maxNewTokens: 12, useCache: false }],
  ['beam search (3 beams)', { maxNewTokens: 10, numBeams: 3 }],
  ['greedy with a stop id', { maxNewTokens: 12, eosTokenId: [4, 2] }],
])('%s: onnxruntime decodes the batch exactly as TF.js', async (_name, config) => {
  const options = { tokenizer: loaded.tokenizer, yieldBetweenTokens: false };
  const expected = await generate(loaded.model, PROMPTS, config, options);
  let decodersMade = 0;
  const decoder: typeof runtime.decoder = (prompts, useCache) => {
    decodersMade++;
    return runtime.decoder(prompts, useCache);
  };
  const got = await generate(loaded.model, PROMPTS, config, { ...options, decoder });
  expect(decodersMade).toBe(1);
  expect(expected.filter((r) => r.tokenIds.length >= 3).length).toBeGreaterThanOrEqual(2);
  expect(got.map((r) => ({ ids: r.tokenIds, text: r.text, finish: r.finishReason })))
    .toEqual(expected.map((r) => ({ ids: r.tokenIds, text: r.text, finish: r.finishReason })));
});

test('dialogue replies through onnxruntime leave no TF.js tensor behind', async () => {
  const contexts = [['Good morning, sir. Is there a bank near here?'], ['hi there', 'hello , how can i help ?']];
  const expected = await reply(loaded, contexts, { maxNewTokens: 8 }, { yieldBetweenTokens: false });
  let decodersMade = 0;
  await expectTensorCountFlat(async () => {
    const got = await reply(loaded, contexts, { maxNewTokens: 8 }, {
      yieldBetweenTokens: false,
      decoder: (prompts, useCache) => {
        decodersMade++;
        return runtime.decoder(prompts, useCache);
      },
    });
    expect(got.map((r) => r.tokenIds)).toEqual(expected.map((r) => r.tokenIds));
  });
  expect(decodersMade).toBe(4);
});

test('demi generate --runtime onnx writes the hypotheses --runtime tfjs writes; an unknown runtime is refused', () => {
  const input = join(root, 'contexts.jsonl');
  writeFileSync(input, [['Good morning, sir.'], ['Can you change some money for me?', 'Sure.'], ['thanks a lot']]
    .map((context) => JSON.stringify({ context })).join('\n'));
  const run = (runtimeName: string) => {
    const output = join(root, `out-${runtimeName}.jsonl`);
    const result = spawnSync(process.execPath, ['bin/demi.mjs', 'generate', '--model', checkpoint, '--input', input, '--output', output, '--runtime', runtimeName],
      { encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn' } });
    return { result, lines: result.status === 0 ? readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [] };
  };
  const tfjs = run('tfjs');
  const onnx = run('onnx');
  expect(onnx.result.status).toBe(0);
  expect(onnx.lines.map((l) => l.hypothesis)).toEqual(tfjs.lines.map((l) => l.hypothesis));
  expect(onnx.lines[0].parameters.runtime).toBe('onnx');
  const refused = run('tensorrt');
  expect(refused.result.status).not.toBe(0);
  expect(refused.result.stderr).toMatch(/--runtime must be tfjs or onnx, got tensorrt/);
});
