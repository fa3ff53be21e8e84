/**
 * Regression test on generation metrics (docs/ARCHITECTURE.md §7): a small seeded model is trained by the test
 * itself (the project's own `demi train dialogue`, ~20 s), generates greedily for fixed contexts with
 * `demi generate`, and `demi evaluate` scores it. Every metric must beat two replies that need no
 * model, scored on the same contexts: a constant reply and an echo of the question; the perplexity
 * must sit in a narrow band around its measured value and below a unigram model's; the greedy
 * replies are pinned in a snapshot, so a change to the model, decoding, tokenizer or training that
 * moves them fails with a readable diff.
 *
 * The toy task is deterministic (the reply is a function of the question), so a working model nearly
 * solves it: 600 steps at learning rate 1e-2 without dropout give BLEU 82.3, F1 0.765 and perplexity
 * 1.03 (300 steps at 3e-3 with dropout, as before, gave BLEU 2.6 / F1 0.31 and garbled replies that
 * lost to both baselines).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../model/engine/index.js';
import { criticScores, loadDialogueModel, promptFor, reply } from '../../model/dialogue/index.js';
import { evaluateCorpus, type EvaluationReport } from '../../model/metrics/index.js';
import { describeIf, SPM_TRAIN } from '../helpers/optional.js';
import { toyEpisodes, writeToyCorpus } from '../helpers/toy-dialogues.js';
import { toyTokenizer } from '../helpers/toy-tokenizer.js';

/** Measured when written (AVX2 EPYC, native kernels). */
const PERPLEXITY = 1.0296;
/**
 * +-3%: the run is seeded and repeats bit for bit on one machine (1.0295877 twice); the same
 * training on the pure-JS wasm kernels (another summation order, as another CPU's BLAS would have)
 * ended at 1.0228, 0.7% lower, so the band is about four times the spread seen across kernels. A model
 * as undertrained as before (4.58) or at 2x the learning rate (1.07) falls outside it.
 */
const PERPLEXITY_BAND = 0.03;

const dir = mkdtempSync(join(tmpdir(), 'demi-regression-'));
const run = (args: string[]) => {
  // Two native threads whatever the caller's DEMI_THREADS: OpenBLAS splits sums by thread count, and with
  // one thread this training ends elsewhere (its replies' length no longer beats the echo's), so the
  // figures and the snapshot below hold for the two-thread run they were measured on.
  const res = spawnSync(process.execPath, ['bin/demi.mjs', ...args], { encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn', DEMI_THREADS: '2' } });
  if (res.status !== 0) throw new Error(`demi ${args.join(' ')} failed:\n${res.stderr}`);
  return res.stdout;
};

describeIf(SPM_TRAIN)('a small model trained by the test', () => {
  beforeAll(async () => {
    await selectBackend();
    const corpus = writeToyCorpus(dir);
    const tokenizer = await toyTokenizer(dir, corpus.text);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      data: { train: { corpus: 'jsonl', path: corpus.train }, valid: { corpus: 'jsonl', path: corpus.valid, maxExamples: 64 } },
      tokenizer: { path: tokenizer.file },
      model: { blockSize: 48, nLayer: 2, nHead: 2, dModel: 48, dropout: 0 },
      objective: { lambda: 0.5, levels: 2, projectionDim: 16 },
      training: { steps: 600, batchSize: 16, learningRate: 1e-2, warmupSteps: 20, evalEvery: 200, logEvery: 100, seed: 3 },
    }));
    writeFileSync(join(dir, 'contexts.jsonl'), toyEpisodes(30, 777)
      .map((e, i) => JSON.stringify({ id: i, context: e.turns.slice(0, 3), reference: e.turns[3] })).join('\n'));
    run(['train', 'dialogue', '--config', join(dir, 'config.json'), '--out', join(dir, 'run')]);
  }, 180_000);

  interface Line { context: string[]; reference: string; hypothesis: string; referenceNll: number; referenceTokens: number }

  test('greedy replies beat a constant reply and an echo on every metric; perplexity stays in its band', async () => {
    run(['generate', '--model', join(dir, 'run', 'best'), '--input', join(dir, 'contexts.jsonl'), '--output', join(dir, 'gen.jsonl')]);
    const table = run(['evaluate', '--input', join(dir, 'gen.jsonl'), '--output', join(dir, 'report.json')]);
    expect(table).toMatch(/BLEU \(sacrebleu, 0-100\)/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as EvaluationReport;
    expect(report.examples).toBe(30);
    const lines = readFileSync(join(dir, 'gen.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    const references = lines.map((l) => l.reference);
    const score = (hypotheses: string[]) => evaluateCorpus({ hypotheses, references });
    const reference = score(references);
    const baselines = {
      constant: score(lines.map(() => 'it is sunny in paris today .')),
      echo: score(lines.map((l) => l.context[l.context.length - 1])),
    };
    // Distinct-n, entropy-4 and length are not better when larger: a reply should have the references'
    // own diversity and length, so the model must be closer to those than either baseline.
    const closeness = (r: EvaluationReport) => ({
      bleu: r.bleu.score,
      f1: r.f1.f1,
      distinct1: -Math.abs(r.distinct.distinct1 - reference.distinct.distinct1),
      distinct2: -Math.abs(r.distinct.distinct2 - reference.distinct.distinct2),
      entropy4: -Math.abs(r.entropy.entropy4 - reference.entropy.entropy4),
      words: -Math.abs(r.averageLength.words - reference.averageLength.words),
    });
    const model = closeness(report);
    for (const [name, baseline] of Object.entries(baselines)) {
      for (const [metric, value] of Object.entries(closeness(baseline))) {
        expect({ metric, against: name, model: model[metric as keyof typeof model] > value }).toEqual({ metric, against: name, model: true });
      }
    }

    // Perplexity: the baselines have none, so it is held against a unigram model of the training
    // responses (same tokens: response + EOS) and to its band.
    const loaded = await loadDialogueModel(join(dir, 'run', 'best'));
    const encode = (text: string) => [...loaded.tokenizer.encode(text), loaded.format.eosId];
    const counts = new Float64Array(loaded.tokenizer.vocabSize).fill(1); // add-one smoothing
    for (const line of readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n')) {
      const turns = (JSON.parse(line) as { turns: string[] }).turns;
      for (const t of turns.slice(1)) for (const id of encode(t)) counts[id]++;
    }
    const total = counts.reduce((s, c) => s + c, 0);
    const referenceIds = references.map(encode);
    expect(referenceIds.map((ids) => ids.length)).toEqual(lines.map((l) => l.referenceTokens));
    const unigramNll = referenceIds.flat().reduce((s, id) => s - Math.log(counts[id] / total), 0);
    const unigramPerplexity = Math.exp(unigramNll / referenceIds.flat().length);
    loaded.dispose();
    const perplexity = report.perplexity!.perplexity;
    expect(perplexity).toBeLessThan(unigramPerplexity / 4);
    expect(perplexity).toBeGreaterThan(PERPLEXITY * (1 - PERPLEXITY_BAND));
    expect(perplexity).toBeLessThan(PERPLEXITY * (1 + PERPLEXITY_BAND));
    expect(lines.slice(0, 8).map((l) => `${l.context[2]} => ${l.hypothesis}`)).toMatchSnapshot();
  }, 60_000);

  test('one-by-one and batched generation give the same greedy replies', () => {
    run(['generate', '--model', join(dir, 'run', 'best'), '--input', join(dir, 'contexts.jsonl'), '--output', join(dir, 'gen1.jsonl'), '--batch-size', '1', '--limit', '10']);
    run(['generate', '--model', join(dir, 'run', 'best'), '--input', join(dir, 'contexts.jsonl'), '--output', join(dir, 'gen8.jsonl'), '--batch-size', '8', '--limit', '10']);
    const hyps = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).hypothesis);
    expect(hyps('gen8.jsonl')).toEqual(hyps('gen1.jsonl'));
  }, 60_000);

  test('DEMI rerank returns the candidate the critic scores highest, and is off by default', async () => {
    const loaded = await loadDialogueModel(join(dir, 'run', 'best'));
    const context = ['hi there', 'hi , how can i help ?', 'what colour is the sky ?'];
    const [plain] = await reply(loaded, [context], { maxNewTokens: 16 });
    const [greedyAgain] = await reply(loaded, [context], { maxNewTokens: 16, seed: 5 });
    expect(greedyAgain.text).toBe(plain.text);
    const [reranked] = await reply(loaded, [context], { maxNewTokens: 16, seed: 11, temperature: 1.5 }, { rerank: 6 });
    // Re-draw the same candidates (same seed) and check the choice against the critic.
    const { generate } = await import('../../model/generation/index.js');
    const { SeededRandom } = await import('../../core/index.js');
    const prompt = promptFor(loaded, context, 16);
    const candidates = await generate(loaded.model, Array.from({ length: 6 }, () => prompt),
      { maxNewTokens: 16, temperature: 1.5, doSample: true, seed: new SeededRandom(11).nextUint32() >>> 1, eosTokenId: [loaded.format.eosId, loaded.format.sepId] },
      { tokenizer: loaded.tokenizer });
    const scores = criticScores(loaded, prompt, candidates.map((c) => c.tokenIds));
    expect(reranked.text).toBe(candidates[scores.indexOf(Math.max(...scores))].text);
    expect(new Set(candidates.map((c) => c.text)).size).toBeGreaterThan(1);
    loaded.dispose();
  }, 60_000);
});
