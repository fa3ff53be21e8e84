/**
 * Same seed, same text across runtimes? Replies of a checkpoint decoded on TF.js and on onnxruntime
 * (`demi serve --runtime onnx`'s path: `reply` with the onnxruntime decoder), one context at a time as
 * the server decodes them, with the server's decoding defaults (temperature 0.7, top-p 0.9; seed = the
 * example's index), greedy, sampling with repetition penalty and no-repeat-ngram, and the server's
 * DEMI rerank of 8 candidates (on the first --rerank-limit contexts: 8 times the work). Prints, per
 * setting, how many replies are identical and where the first differing token of the others is.
 *
 *   npx tsx scripts/compare-runtime-replies.ts [--model models/default] [--input test/fixtures/dialogue/dailydialog-test-sample.jsonl]
 *     [--limit 100] [--rerank-limit 20]
 */
import { readFileSync } from 'node:fs';
import { selectBackend } from '../model/engine/index.js';
import { loadDialogueModel, reply } from '../model/dialogue/index.js';
import { onnxRuntimeDecoder, type GenerationConfigInput } from '../model/generation/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const modelDir = option('model', 'models/default');
const input = option('input', 'test/fixtures/dialogue/dailydialog-test-sample.jsonl');
const limit = Number(option('limit', '100'));
const rerankLimit = Number(option('rerank-limit', '20'));

const contexts = readFileSync(input, 'utf8').trim().split('\n').slice(0, limit).map((line) => (JSON.parse(line) as { context: string[] }).context);
const serverDefault = (seed: number): GenerationConfigInput => ({ maxNewTokens: 40, doSample: true, temperature: 0.7, topP: 0.9, topK: 0, seed });
const SETTINGS: Record<string, { config: (seed: number) => GenerationConfigInput; rerank?: number; contexts: number }> = {
  'greedy': { config: () => ({ maxNewTokens: 40 }), contexts: limit },
  'server default (T 0.7, top-p 0.9, top-k off)': { config: serverDefault, contexts: limit },
  'T 1.0, top-k 40, repetition 1.3, no-repeat-ngram 3': {
    config: (seed) => ({ maxNewTokens: 40, doSample: true, temperature: 1, topK: 40, repetitionPenalty: 1.3, noRepeatNgramSize: 3, seed }), contexts: limit,
  },
  'server default + DEMI rerank 8 (critic on TF.js)': { config: serverDefault, rerank: 8, contexts: rerankLimit },
};

await selectBackend();
const loaded = await loadDialogueModel(modelDir);
const onnx = await onnxRuntimeDecoder(loaded.model);
try {
  console.log(`${modelDir}: ${contexts.length} contexts from ${input}, one at a time, up to 40 new tokens; onnxruntime ${onnx.version}`);
  for (const [name, setting] of Object.entries(SETTINGS)) {
    let same = 0;
    let tokens = 0;
    const firstDifference: number[] = [];
    const some = contexts.slice(0, setting.contexts);
    for (const [index, turns] of some.entries()) {
      const config = setting.config(index);
      const [tfjs] = await reply(loaded, [turns], config, { yieldBetweenTokens: false, rerank: setting.rerank });
      const [ort] = await reply(loaded, [turns], config, { yieldBetweenTokens: false, rerank: setting.rerank, decoder: onnx.decoder });
      tokens += tfjs.tokenIds.length;
      if (tfjs.text === ort.text && tfjs.tokenIds.join() === ort.tokenIds.join()) {
        same++;
      } else {
        let at = 0;
        while (at < tfjs.tokenIds.length && tfjs.tokenIds[at] === ort.tokenIds[at]) at++;
        firstDifference.push(at);
      }
    }
    console.log(`${name}: ${same} of ${some.length} replies identical (${tokens} TF.js tokens)${
      firstDifference.length ? `; the others first differ at token ${firstDifference.join(', ')}` : ''}`);
  }
} finally {
  await onnx.release();
  loaded.dispose();
}
