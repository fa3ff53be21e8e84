/**
 * The ONNX export of a real model against demi itself (not part of the jest suite: it needs a corpus;
 * test/export/onnx.test.ts checks tiny models). Exports --model (default models/default) with
 * `demi export --format onnx`, then on N contexts spread over a DailyDialog split:
 * - demi's greedy reply (`reply`, as `demi generate` decodes) against transformers.js loading the export
 *   offline: the new ids of `generate`, their decoded text, and the text-generation pipeline's text;
 * - onnxruntime's logits of prompt + reply against the TF.js forward, in one pass and token by token
 *   through past_key_values: the largest |difference|.
 * Prints JSON.
 *
 *   npx tsx scripts/check-onnx-export.ts --data-path PATH/TO/dailydialog/data.zip [--model models/default] [--n 20] [--dtype f32|f16]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { episodeToExamples, loadDailyDialog } from '../data/dialogue/index.js';
import { selectBackend, tf } from '../model/engine/index.js';
import { loadDialogueModel, promptFor, reply } from '../model/dialogue/index.js';
import { onnxCacheNames } from '../model/transformer/index.js';

const { values } = parseArgs({
  options: {
    'data-path': { type: 'string' },
    model: { type: 'string', default: 'models/default' },
    split: { type: 'string', default: 'validation' },
    n: { type: 'string', default: '20' },
    dtype: { type: 'string', default: 'f32' },
  },
});
if (!values['data-path']) {
  console.error('usage: npx tsx scripts/check-onnx-export.ts --data-path DAILYDIALOG_ZIP [--model DIR] [--n 20] [--dtype f32|f16]');
  process.exit(2);
}

const out = join(mkdtempSync(join(tmpdir(), 'demi-onnx-check-')), 'export');
try {
  const exported = spawnSync(process.execPath, ['bin/demi.mjs', 'export', '--format', 'onnx', '--dtype', values.dtype!, '--model', values.model!, '--out', out], { encoding: 'utf8' });
  if (exported.status !== 0) throw new Error(`demi export failed: ${exported.stderr}`);
  await selectBackend();
  const loaded = await loadDialogueModel(values.model!);
  const { nLayer, nHead, dModel, vocabSize: V } = loaded.model.config;
  const maxNewTokens = loaded.config.maxResponseTokens;

  const examples = (await loadDailyDialog(values.split as 'validation', { path: values['data-path'] })).flatMap((e) => episodeToExamples(e));
  const n = Number(values.n);
  const contexts = Array.from({ length: n }, (_, i) => examples[Math.floor((i * examples.length) / n)].contextTurns.map((t) => t.text));
  const expected = await reply(loaded, contexts, { maxNewTokens }, { yieldBetweenTokens: false });

  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.localModelPath = dirname(out);
  const tokenizer = await transformers.AutoTokenizer.from_pretrained(basename(out));
  const model = await transformers.AutoModelForCausalLM.from_pretrained(basename(out));
  const generator = await transformers.pipeline('text-generation', basename(out));
  const session = await ort.InferenceSession.create(join(out, 'onnx', values.dtype === 'f16' ? 'model_fp16.onnx' : 'model.onnx'));
  const sep = loaded.tokenizer.idToToken(loaded.format.sepId)!;
  const stops = new Set([loaded.format.eosId, loaded.format.sepId]);
  const names = onnxCacheNames(nLayer);

  /** onnxruntime logits of `ids` appended after `past` (pastLength positions), one row. */
  const runOnnx = async (ids: number[], past: ort.InferenceSession.OnnxValueMapType | undefined, pastLength: number) => {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(pastLength + ids.length).fill(1n), [1, pastLength + ids.length]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(pastLength + i))), [1, ids.length]),
    };
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, nHead, 0, dModel / nHead]);
    for (let i = 0; i < nLayer; i++) {
      feeds[names.pastKeys[i]] = (past?.[names.presentKeys[i]] as ort.Tensor | undefined) ?? empty();
      feeds[names.pastValues[i]] = (past?.[names.presentValues[i]] as ort.Tensor | undefined) ?? empty();
    }
    return session.run(feeds);
  };
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  const rows: { context: string[]; demi: string; transformersJs: string; promptIdsEqual: boolean; idsEqual: boolean; textEqual: boolean; pipelineTextEqual: boolean | null }[] = [];
  let fullForwardDiff = 0;
  let incrementalDiff = 0;
  for (const [i, turns] of contexts.entries()) {
    const prompt = promptFor(loaded, turns, maxNewTokens);
    // The turns demi kept (whole turns from the end), as text; undefined when it had to cut inside a turn.
    const start = turns.findIndex((_, s) => JSON.stringify(turns.slice(s).flatMap((t) => [...loaded.tokenizer.encode(t), loaded.format.sepId])) === JSON.stringify(prompt));
    const text = start < 0 ? undefined : turns.slice(start).map((t) => `${t}${sep}`).join('');
    const inputs = text === undefined
      ? { input_ids: new transformers.Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]), attention_mask: new transformers.Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]) }
      : tokenizer(text);
    const promptIds = (inputs.input_ids.tolist() as bigint[][])[0].map(Number);
    const generated = await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false }) as unknown as { tolist(): bigint[][] };
    let newIds = generated.tolist()[0].map(Number).slice(promptIds.length);
    if (stops.has(newIds[newIds.length - 1])) newIds = newIds.slice(0, -1);
    const decoded = tokenizer.decode(newIds, { skip_special_tokens: true });
    let pipelineText: string | undefined;
    if (text !== undefined) {
      const [{ generated_text }] = await generator(text, { max_new_tokens: maxNewTokens, return_full_text: false }) as { generated_text: string }[];
      pipelineText = generated_text;
    }
    const startsWord = loaded.tokenizer.idToToken(expected[i].tokenIds[0])?.startsWith('\u2581') ?? false;

    const sequence = [...prompt, ...expected[i].tokenIds];
    const reference = tf.tidy(() => loaded.model.forward(tf.tensor2d([sequence], [1, sequence.length], 'int32')).dataSync() as Float32Array);
    const whole = await runOnnx(sequence, undefined, 0);
    fullForwardDiff = Math.max(fullForwardDiff, maxDiff(whole.logits.data as Float32Array, reference));
    let step = await runOnnx(prompt, undefined, 0);
    incrementalDiff = Math.max(incrementalDiff, maxDiff(step.logits.data as Float32Array, reference.subarray(0, prompt.length * V)));
    for (let t = prompt.length; t < sequence.length; t++) {
      step = await runOnnx([sequence[t]], step, t);
      incrementalDiff = Math.max(incrementalDiff, maxDiff(step.logits.data as Float32Array, reference.subarray(t * V, (t + 1) * V)));
    }
    rows.push({
      context: turns.slice(-2), demi: expected[i].text, transformersJs: decoded,
      promptIdsEqual: JSON.stringify(promptIds) === JSON.stringify(prompt),
      idsEqual: JSON.stringify(newIds) === JSON.stringify(expected[i].tokenIds),
      textEqual: decoded === expected[i].text,
      pipelineTextEqual: pipelineText === undefined ? null : pipelineText === `${startsWord ? ' ' : ''}${expected[i].text}`,
    });
  }
  await model.dispose();
  await generator.dispose();
  await session.release();
  loaded.dispose();
  const count = (key: 'idsEqual' | 'textEqual' | 'promptIdsEqual') => rows.filter((r) => r[key]).length;
  console.log(JSON.stringify({
    model: values.model, dtype: values.dtype, split: values.split, contexts: n, maxNewTokens,
    promptIdsEqual: count('promptIdsEqual'), greedyIdsEqual: count('idsEqual'), greedyTextEqual: count('textEqual'),
    pipelineTextEqual: `${rows.filter((r) => r.pipelineTextEqual === true).length} of ${rows.filter((r) => r.pipelineTextEqual !== null).length} given as text`,
    maxAbsLogitDiff: { fullForward: fullForwardDiff, incremental: incrementalDiff },
    rows,
  }, null, 2));
} finally {
  rmSync(dirname(out), { recursive: true, force: true });
}
