#!/usr/bin/env node
/**
 * The MLE / InfoNCE / DEMI comparison on DailyDialog (README "MLE vs InfoNCE vs DEMI"), over seeds:
 * trains the variants of configs/dailydialog-compare.json (same size, steps and tokenizer; only
 * the objective differs) once per seed, decodes the whole test split with the same greedy decoding
 * (`demi generate`), scores it (`demi evaluate`), evaluates the encoder itself (`demi evaluate-encoder`:
 * retrieval and probes), and writes results.md / results.json with mean +- std over seeds, so the
 * README's table is this script's output, never typed.
 *
 *   node scripts/compare-dialogue.mjs [--data-path FILE] [--seeds 1,2,3] [--out runs/compare]
 *     [--results docs/results/compare-dialogue] [--variants mle,infonce,demi-2,demi-4,demi-2-heads,demi-4-cumulative] [--steps N] [--limit N]
 *
 * Each finished run leaves a small summary in --results (committed with the repository); a run whose
 * summary exists is not redone, and one with a checkpoint but no summary is resumed (`--resume`), so a
 * comparison longer than one sitting continues where it stopped, even on another clone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  demiCommand as demi, median, pairedDifferences, readLog, recordedCommand, restartFlags, runTimed as run, seedCell as cell, SPREAD_FACTOR, spreadVerdict,
} from './comparison-runs.mjs';

const { values } = parseArgs({
  options: {
    'data-path': { type: 'string' },
    out: { type: 'string', default: 'runs/compare' },
    results: { type: 'string', default: 'docs/results/compare-dialogue' },
    seeds: { type: 'string', default: '1,2,3' },
    variants: { type: 'string' },
    steps: { type: 'string' },
    limit: { type: 'string' },
    'max-new-tokens': { type: 'string', default: '40' },
    config: { type: 'string', default: 'configs/dailydialog-compare.json' },
    'report-only': { type: 'boolean', default: false },
  },
});

const VARIANTS = [
  { name: 'mle', label: 'MLE (lambda = 0)', short: 'MLE', set: ['objective.lambda=0'] },
  { name: 'infonce', label: 'InfoNCE (M = 1)', short: 'InfoNCE', set: ['objective.levels=1'] },
  { name: 'demi-2', label: 'DEMI (M = 2)', short: 'DEMI-2', set: ['objective.levels=2'] },
  { name: 'demi-4', label: 'DEMI (M = 4)', short: 'DEMI-4', set: ['objective.levels=4'] },
  // The diagnosis's open question (README "DEMI's conditional terms"): one g projection per prefix instead
  // of one shared by S_1 and S_2. At M = 2 'level' and 'cumulative' weights coincide (both are S_1), so
  // the heads are the only change from demi-2.
  { name: 'demi-2-heads', label: 'DEMI (M = 2, per-level heads)', short: 'DEMI-2-heads', set: ['objective.levels=2', 'objective.perLevelHeads=true'] },
  // At M = 4 the diagnosis found the shared head's S_k to be full-pair critics, right as weights but not as
  // conditional critics; own heads with cumulative weights is the combination under which S_k can become one.
  { name: 'demi-4-cumulative', label: 'DEMI (M = 4, per-level heads, cumulative weights)', short: 'DEMI-4-cumulative',
    set: ['objective.levels=4', 'objective.perLevelHeads=true', 'objective.conditionalCritic=cumulative'] },
];

function quoteSet(assignment) {
  // --set values are JSON when they parse as JSON; paths must be JSON strings
  const [key, value] = assignment.split(/=(.*)/s);
  return `${key}=${/^([\d.]+|true|false)$/.test(value) ? value : JSON.stringify(value)}`;
}

function lastVal(logPath) {
  const vals = readLog(logPath).filter((r) => r.kind === 'val');
  if (vals.length === 0) throw new Error(`${logPath} has no validation entry`);
  const best = vals.reduce((a, b) => (b.ppl < a.ppl ? b : a));
  return { last: vals[vals.length - 1], best };
}

const out = values.out;
const seeds = values.seeds.split(',').map(Number);
mkdirSync(out, { recursive: true });
mkdirSync(values.results, { recursive: true });

function runOne(variant, seed) {
  const dir = join(out, `${variant.name}-s${seed}`);
  // The comparison's runs all read DailyDialog as published ("I'Ve" casing kept): its first runs were
  // made before the reader repaired that text, and every run of one table must see the same references.
  const sets = [...variant.set, `training.seed=${seed}`, 'data.train.text=as-published', 'data.valid.text=as-published'];
  if (values['data-path']) sets.push(`data.train.path=${values['data-path']}`, `data.valid.path=${values['data-path']}`);
  const dataArgs = [...(values['data-path'] ? ['--data-path', values['data-path']] : []), '--corpus-text', 'as-published'];
  const trainArgs = demi(['train', 'dialogue', '--config', values.config, '--out', dir,
    ...sets.flatMap((s) => ['--set', quoteSet(s)]),
    ...(values.steps ? ['--steps', values.steps] : []),
    ...restartFlags(dir).flags]);
  const trainSeconds = run(trainArgs);
  const generations = join(dir, 'test-generations.jsonl');
  const generateArgs = demi(['generate', '--model', join(dir, 'best'), '--corpus', 'dailydialog', '--split', 'test', ...dataArgs,
    ...(values.limit ? ['--limit', values.limit] : []),
    '--max-new-tokens', values['max-new-tokens'], '--output', generations]);
  const generateSeconds = run(generateArgs);
  const reportPath = join(dir, 'test-report.json');
  const evaluateArgs = demi(['evaluate', '--input', generations, '--output', reportPath]);
  run(evaluateArgs);
  const encoderPath = join(dir, 'encoder-report.json');
  const encoderArgs = demi(['evaluate-encoder', '--model', join(dir, 'best'), '--corpus', 'dailydialog', '--split', 'test', ...dataArgs,
    '--examples', '1000', '--lm-examples', '100', '--probe-train', '10000', '--seed', '1', '--output', encoderPath]);
  const encoderSeconds = run(encoderArgs);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const encoder = JSON.parse(readFileSync(encoderPath, 'utf8'));
  const { last, best } = lastVal(join(dir, 'log.jsonl'));
  const trainRows = readLog(join(dir, 'log.jsonl')).filter((r) => r.kind === 'train');
  const miTerms = Object.keys(last).filter((k) => /^mi_\d+$/.test(k)).sort().map((k) => last[k]);
  return {
    variant: variant.name,
    label: variant.label,
    seed,
    commands: [trainArgs, generateArgs, evaluateArgs, encoderArgs].map((a) => recordedCommand(a, values['data-path'])),
    trainSeconds,
    generateSeconds,
    encoderSeconds,
    steps: last.step,
    // What a step costs, as the trainer logged it: LM input tokens per second (median over the log windows).
    // The critic adds one response-alone pass per level, so equal steps are not equal compute.
    tokensPerSecond: median(trainRows.map((r) => r.tokPerSecond).filter(Number.isFinite)),
    bestValidationPpl: best.ppl,
    bestStep: best.step,
    miTotal: last.mi_total ?? null,
    miTerms,
    test: {
      examples: report.examples,
      perplexity: report.perplexity?.perplexity ?? null,
      bleu: report.bleu.score,
      f1: report.f1.f1,
      distinct1: report.distinct.distinct1,
      distinct2: report.distinct.distinct2,
      entropy4: report.entropy.entropy4,
      averageLength: report.averageLength.words,
    },
    encoder: { retrieval: encoder.retrieval, probes: encoder.probes, mi: encoder.mi },
  };
}

// Seed-major: every variant gets seed 1 before any gets seed 2, so a comparison cut short is balanced.
const results = [];
for (const seed of seeds) {
  for (const variant of VARIANTS.filter((v) => !values.variants || values.variants.split(',').includes(v.name))) {
    const summaryPath = join(values.results, `${variant.name}-s${seed}.json`);
    if (existsSync(summaryPath)) {
      results.push(JSON.parse(readFileSync(summaryPath, 'utf8')));
      continue;
    }
    if (values['report-only']) continue;
    const summary = runOne(variant, seed);
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    results.push(summary);
  }
}

const retrievalOf = (r, scorer, K) => r.encoder.retrieval.filter((x) => x.scorer === scorer && x.candidates === K)
  .reduce((a, b) => (b.examples > (a?.examples ?? 0) ? b : a), undefined);
const lmRetrievalOf = (r, K) => r.encoder.retrieval.find((x) => x.scorer === 'lm' && x.candidates === K);
const probeOf = (r, target, feature) => r.encoder.probes.find((p) => p.target === target && p.feature === feature);

const byVariant = VARIANTS.map((v) => ({ variant: v, runs: results.filter((r) => r.variant === v.name) })).filter((g) => g.runs.length > 0);
const column = (runs, pick, digits) => cell(runs.map(pick), digits);
const generationTable = [
  '| objective | seeds | test ppl | BLEU | F1 | distinct-1 | distinct-2 | avg length | best val ppl | s / step (wall, with validation) | LM tokens / s (training) |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...byVariant.map(({ variant, runs }) => `| ${variant.label} | ${runs.map((r) => r.seed).join(', ')} | ${column(runs, (r) => r.test.perplexity, 2)} | ${column(runs, (r) => r.test.bleu, 2)} | ${column(runs, (r) => r.test.f1, 4)} | ${column(runs, (r) => r.test.distinct1, 4)} | ${column(runs, (r) => r.test.distinct2, 4)} | ${column(runs, (r) => r.test.averageLength, 2)} | ${column(runs, (r) => r.bestValidationPpl, 2)} | ${column(runs, (r) => r.trainSeconds / r.steps, 2)} | ${column(runs, (r) => r.tokensPerSecond, 0)} |`),
];
const encoderTable = [
  '| objective | critic hits@1, K = 10 | critic hits@1, K = 100 | LM hits@1, K = 10 | LM hits@1, K = 100 | act probe acc (hidden) | act probe acc (f(x)) | emotion probe macro-F1 (hidden) | MI terms, test, shuffled batches (nats) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...byVariant.map(({ variant, runs }) => {
    const mi = runs[0].encoder.mi.find((m) => m.batchSize === 32);
    const terms = mi ? mi.terms.map((_, k) => cell(runs.map((r) => r.encoder.mi.find((m) => m.batchSize === 32)?.terms[k]), 3)).join(' ; ') : '- (no critic)';
    return `| ${variant.label} | ${column(runs, (r) => retrievalOf(r, 'critic', 10)?.hitsAt1, 3)} | ${column(runs, (r) => retrievalOf(r, 'critic', 100)?.hitsAt1, 3)} | ${column(runs, (r) => lmRetrievalOf(r, 10)?.hitsAt1, 3)} | ${column(runs, (r) => lmRetrievalOf(r, 100)?.hitsAt1, 3)} | ${column(runs, (r) => probeOf(r, 'act', 'hidden')?.accuracy, 3)} | ${column(runs, (r) => probeOf(r, 'act', 'critic')?.accuracy, 3)} | ${column(runs, (r) => probeOf(r, 'emotion', 'hidden')?.macroF1, 3)} | ${terms} |`;
  }),
];
// Paired by seed (a seed fixes the initialisation and the batch order, whatever the objective): each
// cell is the mean +- sample std of the per-seed differences, '*' when larger than its spread.
const PAIRS = [['infonce', 'mle'], ['demi-2', 'mle'], ['demi-2', 'infonce'], ['demi-4', 'infonce'], ['demi-4', 'demi-2'], ['demi-2-heads', 'demi-2'], ['demi-4-cumulative', 'demi-4']];
const DIFFERENCE_COLUMNS = [
  { label: 'test ppl', digits: 2, pick: (r) => r.test.perplexity },
  { label: 'BLEU', digits: 2, pick: (r) => r.test.bleu },
  { label: 'F1', digits: 4, pick: (r) => r.test.f1 },
  { label: 'distinct-2', digits: 4, pick: (r) => r.test.distinct2 },
  { label: 'avg length', digits: 2, pick: (r) => r.test.averageLength },
  { label: 'critic hits@1, K = 10', digits: 3, pick: (r) => retrievalOf(r, 'critic', 10)?.hitsAt1 },
  { label: 'critic hits@1, K = 100', digits: 3, pick: (r) => retrievalOf(r, 'critic', 100)?.hitsAt1 },
  { label: 'act probe acc (hidden)', digits: 3, pick: (r) => probeOf(r, 'act', 'hidden')?.accuracy },
  { label: 'emotion probe macro-F1 (hidden)', digits: 3, pick: (r) => probeOf(r, 'emotion', 'hidden')?.macroF1 },
];
const labelOf = (name) => VARIANTS.find((v) => v.name === name).short;
const runOf = (name) => (seed) => results.find((r) => r.variant === name && r.seed === seed);
const differenceRows = PAIRS.flatMap(([a, b]) => {
  const paired = seeds.filter((s) => runOf(a)(s) && runOf(b)(s));
  if (paired.length < 2) return [];
  const cells = DIFFERENCE_COLUMNS.map(({ digits, pick }) => {
    const differences = pairedDifferences(paired, runOf(a), runOf(b), pick);
    const verdict = spreadVerdict(differences);
    return verdict ? `${cell(differences, digits, true)}${verdict.larger ? ' *' : ''}` : '-';
  });
  return [`| ${labelOf(a)} - ${labelOf(b)} | ${paired.join(', ')} | ${cells.join(' | ')} |`];
});
const differenceTable = differenceRows.length === 0 ? [] : [
  '',
  `Paired differences by seed, mean +- sample std of the per-seed differences; '*' marks a difference larger than its spread (|mean| > ${SPREAD_FACTOR} x std: a rough screen, not a significance test); cells without '*' show no difference.`,
  '',
  `| difference | seeds | ${DIFFERENCE_COLUMNS.map((c) => c.label).join(' | ')} |`,
  `|---|---|${DIFFERENCE_COLUMNS.map(() => '---|').join('')}`,
  ...differenceRows,
];

const config = JSON.parse(readFileSync(values.config, 'utf8'));
const anyRun = results[0];
const majority = anyRun ? probeOf(anyRun, 'act', 'hidden')?.majority : undefined;
const header = anyRun ? [
  `DailyDialog test split (${anyRun.test.examples} responses), greedy decoding, at most ${values['max-new-tokens']} new tokens, same for all.`,
  `Model: ${config.model.nLayer} layers, d ${config.model.dModel}, ${config.model.nHead} heads, block ${config.model.blockSize}; ` +
    `${anyRun.steps} steps of batch ${config.training.batchSize}, tokenizer ${config.tokenizer.path} (${values.config}); seeds as listed, mean +- sample std over them.`,
  'Only the objective differs: lambda = 0.1 and tau = 0.1 for every variant with a critic (fixed before any run, not tuned).',
  '',
] : ['No finished runs yet.', ''];
const encoderHeader = ['', `Encoder (demi evaluate-encoder, test split): hits@1 among K candidates drawn from the test responses, critic over 1000 examples, LM over 100 of them;`
  + ` linear probes of the response's act / emotion from the context, trained on 10000 training examples${majority ? ` (act majority class '${majority.label}': accuracy ${majority.accuracy.toFixed(3)})` : ''}.`, ''];
const commands = ['', 'Commands (as run by scripts/compare-dialogue.mjs, seed 1; DATA_PATH is the local copy of the corpus given as --data-path):', '', '```', ...results.filter((r) => r.seed === seeds[0]).flatMap((r) => r.commands), '```', ''];
writeFileSync(join(out, 'results.md'), [...header, ...generationTable, ...encoderHeader, ...encoderTable, ...differenceTable, ...commands].join('\n'));
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log([...header, ...generationTable, ...encoderHeader, ...encoderTable, ...differenceTable].join('\n'));
