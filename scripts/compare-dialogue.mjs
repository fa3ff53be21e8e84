#!/usr/bin/env node
/**
 * The MLE / InfoNCE / DEMI comparison on DailyDialog (issue #8, README "DEMI for dialogue"):
 * trains the four variants of configs/dailydialog-compare.json (same size, steps, seed and tokenizer;
 * only the objective differs), decodes the whole test split with the same greedy decoding through
 * `demi generate`, scores it with `demi evaluate`, and writes results.md / results.json from those
 * reports and the training logs, so the README's table is this script's output, never typed.
 *
 *   node scripts/compare-dialogue.mjs [--data-path FILE] [--out runs/compare] [--steps N] [--limit N]
 *
 * A variant whose directory already holds a finished report is reused; one with a checkpoint but no
 * report is resumed (`--resume`), so a killed comparison picks up where it stopped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'data-path': { type: 'string' },
    out: { type: 'string', default: 'runs/compare' },
    steps: { type: 'string' },
    limit: { type: 'string' },
    'max-new-tokens': { type: 'string', default: '40' },
    config: { type: 'string', default: 'configs/dailydialog-compare.json' },
  },
});

const VARIANTS = [
  { name: 'mle', label: 'MLE (lambda = 0)', set: ['objective.lambda=0'] },
  { name: 'infonce', label: 'InfoNCE (M = 1)', set: ['objective.levels=1'] },
  { name: 'demi-2', label: 'DEMI (M = 2)', set: ['objective.levels=2'] },
  { name: 'demi-4', label: 'DEMI (M = 4)', set: ['objective.levels=4'] },
];

const demi = (args) => ['bin/demi.mjs', ...args];

function run(args) {
  const line = `node ${args.join(' ')}`;
  console.error(`\n$ ${line}`);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${line} failed with status ${result.status ?? result.signal}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function quoteSet(assignment) {
  // --set values are JSON when they parse as JSON; paths must be JSON strings
  const [key, value] = assignment.split(/=(.*)/s);
  return `${key}=${/^[\d.]+$/.test(value) ? value : JSON.stringify(value)}`;
}

function lastVal(logPath) {
  const rows = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const vals = rows.filter((r) => r.kind === 'val');
  if (vals.length === 0) throw new Error(`${logPath} has no validation entry`);
  const best = vals.reduce((a, b) => (b.ppl < a.ppl ? b : a));
  return { last: vals[vals.length - 1], best };
}

const out = values.out;
mkdirSync(out, { recursive: true });
const results = [];
for (const variant of VARIANTS) {
  const dir = join(out, variant.name);
  const summaryPath = join(dir, 'comparison.json');
  if (existsSync(summaryPath)) {
    results.push(JSON.parse(readFileSync(summaryPath, 'utf8')));
    continue;
  }
  const sets = [...variant.set];
  if (values['data-path']) sets.push(`data.train.path=${values['data-path']}`, `data.valid.path=${values['data-path']}`);
  const trainArgs = demi(['train', 'dialogue', '--config', values.config, '--out', dir,
    ...sets.flatMap((s) => ['--set', quoteSet(s)]),
    ...(values.steps ? ['--steps', values.steps] : []),
    ...(existsSync(join(dir, 'last')) ? ['--resume'] : [])]);
  const trainSeconds = run(trainArgs);
  const generations = join(dir, 'test-generations.jsonl');
  const generateArgs = demi(['generate', '--model', join(dir, 'best'), '--corpus', 'dailydialog', '--split', 'test',
    ...(values['data-path'] ? ['--data-path', values['data-path']] : []),
    ...(values.limit ? ['--limit', values.limit] : []),
    '--max-new-tokens', values['max-new-tokens'], '--output', generations]);
  const generateSeconds = run(generateArgs);
  const reportPath = join(dir, 'test-report.json');
  const evaluateArgs = demi(['evaluate', '--input', generations, '--output', reportPath]);
  run(evaluateArgs);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const { last, best } = lastVal(join(dir, 'log.jsonl'));
  const miTerms = Object.keys(last).filter((k) => /^mi_\d+$/.test(k)).sort().map((k) => last[k]);
  const summary = {
    variant: variant.name,
    label: variant.label,
    commands: [trainArgs, generateArgs, evaluateArgs].map((a) => `node ${a.join(' ')}`),
    trainSeconds,
    generateSeconds,
    steps: last.step,
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
  };
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  results.push(summary);
}

const f = (x, digits) => (x === null || x === undefined ? '-' : x.toFixed(digits));
const minutes = (s) => `${(s / 60).toFixed(1)} min`;
const table = [
  '| objective | test ppl | BLEU | F1 | distinct-1 | distinct-2 | entropy-4 | avg length | best val ppl (step) | final MI terms, validation (nats) | train | generate |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.label} | ${f(r.test.perplexity, 2)} | ${f(r.test.bleu, 2)} | ${f(r.test.f1, 4)} | ${f(r.test.distinct1, 4)} | ${f(r.test.distinct2, 4)} | ${f(r.test.entropy4, 3)} | ${f(r.test.averageLength, 2)} | ${f(r.bestValidationPpl, 2)} (${r.bestStep}) | ${r.miTerms.length ? `${r.miTerms.map((t) => t.toFixed(3)).join(' + ')} = ${r.miTotal.toFixed(3)}` : '- (no critic)'} | ${minutes(r.trainSeconds)} | ${minutes(r.generateSeconds)} |`),
];
const config = JSON.parse(readFileSync(values.config, 'utf8'));
const header = [
  `DailyDialog test split (${results[0].test.examples} responses), greedy decoding, at most ${values['max-new-tokens']} new tokens, same for all.`,
  `Model: ${config.model.nLayer} layers, d ${config.model.dModel}, ${config.model.nHead} heads, block ${config.model.blockSize}; ` +
    `${results[0].steps} steps of batch ${config.training.batchSize}, seed ${config.training.seed}, tokenizer ${config.tokenizer.path} (${values.config}).`,
  'Only the objective differs: lambda = 0.1 and tau = 0.1 for every variant with a critic.',
  '',
];
const commands = ['', 'Commands (as run by scripts/compare-dialogue.mjs):', '', '```', ...results.flatMap((r) => r.commands), '```', ''];
writeFileSync(join(out, 'results.md'), [...header, ...table, ...commands].join('\n'));
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log([...header, ...table].join('\n'));
