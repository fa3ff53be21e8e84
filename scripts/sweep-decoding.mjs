/**
 * Decoding settings for chat, compared on the validation split (issue 20 item 4): for each setting,
 * `demi generate` on the same seeded spread of validation responses (one per conversation before a
 * second from any), then `demi evaluate`; the table gives F1, BLEU, distinct-1/2, average length and
 * how much of the output is stock replies (the most frequent reply's share, and the share of replies
 * that are one of the 10 most frequent). The test split is never read, so a default chosen from this
 * table can still be reported on test once.
 *
 *   node scripts/sweep-decoding.mjs --model DIR [--data-path FILE] [--examples 500]
 *     [--settings FILE.json] [--out runs/sweep-decoding] [--seed 0]
 *
 * A settings file is a JSON list of {"name": "...", "flags": ["--sample", ...]} (flags of `demi generate`);
 * without one the list below is used. Every sampled setting uses the same --seed, which also picks the
 * examples, so all settings see the same contexts. A setting whose report exists is not redone (its generation time is read from OUT/<setting>.seconds.json).
 * Writes OUT/results.md (the table) and OUT/results.json; prints the table.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demiCommand as demi, recordedCommand, runTimed as run } from './comparison-runs.mjs';
import { checkSweepSettings, settingSlug } from './sweep-settings.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    'data-path': { type: 'string' },
    examples: { type: 'string', default: '500' },
    settings: { type: 'string' },
    out: { type: 'string', default: 'runs/sweep-decoding' },
    seed: { type: 'string', default: '0' },
    'max-new-tokens': { type: 'string', default: '40' },
  },
});
if (!values.model) {
  console.error('usage: node scripts/sweep-decoding.mjs --model DIR [--data-path FILE] [--examples 500] [--settings FILE.json] [--out DIR] [--seed 0]');
  process.exit(2);
}

const nucleus = (t, p) => ['--temperature', String(t), '--top-p', String(p)];
/** The server's chat default is rerank 8 at temperature 0.7, top-p 0.9 (server/params.ts). */
const DEFAULT_SETTINGS = [
  { name: 'greedy', flags: [] },
  { name: 'greedy, no-repeat 3', flags: ['--no-repeat-ngram', '3'] },
  { name: 'greedy, repetition penalty 1.2', flags: ['--repetition-penalty', '1.2'] },
  { name: 'beam 4, no-repeat 3', flags: ['--beams', '4', '--no-repeat-ngram', '3'] },
  { name: 'sample T 0.7 p 0.9', flags: ['--sample', ...nucleus(0.7, 0.9)] },
  { name: 'sample T 0.7 p 0.9, no-repeat 3', flags: ['--sample', ...nucleus(0.7, 0.9), '--no-repeat-ngram', '3'] },
  { name: 'sample T 1.0 p 0.9', flags: ['--sample', ...nucleus(1.0, 0.9)] },
  { name: 'rerank 4, T 0.7 p 0.9', flags: ['--rerank', '4', ...nucleus(0.7, 0.9)] },
  { name: 'rerank 8, T 0.7 p 0.9', flags: ['--rerank', '8', ...nucleus(0.7, 0.9)] },
  { name: 'rerank 8, T 1.0 p 0.9', flags: ['--rerank', '8', ...nucleus(1.0, 0.9)] },
  { name: 'rerank 8, T 0.7 p 0.9, no-repeat 3', flags: ['--rerank', '8', ...nucleus(0.7, 0.9), '--no-repeat-ngram', '3'] },
];

const settings = values.settings ? JSON.parse(readFileSync(values.settings, 'utf8')) : DEFAULT_SETTINGS;
checkSweepSettings(settings, values.settings ?? 'the default settings');

mkdirSync(values.out, { recursive: true });
const dataPath = values['data-path'];
const rows = [];
for (const setting of settings) {
  const base = join(values.out, settingSlug(setting.name));
  const generations = `${base}.generations.jsonl`;
  const reportPath = `${base}.report.json`;
  const generateArgs = demi([
    'generate', '--model', values.model, '--corpus', 'dailydialog', '--split', 'validation',
    ...(dataPath ? ['--data-path', dataPath] : []),
    '--spread', values.examples, '--seed', values.seed, '--max-new-tokens', values['max-new-tokens'],
    ...setting.flags, '--output', generations,
  ]);
  const evaluateArgs = demi(['evaluate', '--input', generations, '--output', reportPath]);
  // The generation time is kept beside the report, so a rerun that reuses the report still prints it.
  const timingPath = `${base}.seconds.json`;
  if (!existsSync(reportPath)) {
    writeFileSync(timingPath, `${JSON.stringify({ generateSeconds: run(generateArgs, { stdout: 'stderr' }) })}\n`);
    run(evaluateArgs, { stdout: 'stderr' });
  }
  const seconds = existsSync(timingPath) ? JSON.parse(readFileSync(timingPath, 'utf8')).generateSeconds : null;
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  rows.push({
    name: setting.name,
    flags: setting.flags,
    examples: report.examples,
    f1: report.f1.f1,
    bleu: report.bleu.score,
    distinct1: report.distinct.distinct1,
    distinct2: report.distinct.distinct2,
    averageLength: report.averageLength.words,
    maxShare: report.replies.maxShare,
    topShare: report.replies.topShare,
    mostFrequent: report.replies.mostFrequent[0],
    generateSeconds: seconds,
    commands: [recordedCommand(generateArgs, dataPath), recordedCommand(evaluateArgs, dataPath)],
  });
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const table = [
  `DailyDialog validation, ${rows[0].examples} responses spread over the conversations (seed ${values.seed}), at most ${values['max-new-tokens']} new tokens; model ${values.model}.`,
  '',
  '| setting | F1 | BLEU | distinct-1 | distinct-2 | avg length | most frequent reply (share) | top-10 replies\' share | generate s |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.f1.toFixed(4)} | ${r.bleu.toFixed(2)} | ${r.distinct1.toFixed(4)} | ${r.distinct2.toFixed(4)} | ${r.averageLength.toFixed(2)} | ${JSON.stringify(r.mostFrequent.text)} (${pct(r.maxShare)}) | ${pct(r.topShare)} | ${r.generateSeconds === null ? 'not recorded' : r.generateSeconds.toFixed(0)} |`),
  '',
].join('\n');
writeFileSync(join(values.out, 'results.md'), table);
writeFileSync(join(values.out, 'results.json'), `${JSON.stringify({ model: values.model, seed: Number(values.seed), rows }, null, 2)}\n`);
console.log(table);
