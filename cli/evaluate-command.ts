/**
 * `demi evaluate --input generations.jsonl [--output report.json]`: the metrics of docs/ARCHITECTURE.md §7 over the
 * JSONL that `demi generate` writes, as a JSON report and a readable table on stdout.
 */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { evaluateCorpus, type EvaluationReport, type NllStats } from '../model/metrics/index.js';
import { parseArgs } from './args.js';
import { CliError } from './errors.js';
import { readJsonLines } from './json-lines.js';

const GenerationLine = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  reference: z.union([z.string(), z.array(z.string())]),
  hypothesis: z.string(),
  referenceNll: z.number().optional(),
  referenceTokens: z.number().int().optional(),
}).passthrough();

export function readGenerations(path: string): z.infer<typeof GenerationLine>[] {
  return readJsonLines(path, GenerationLine, 'a line of `demi generate` output').map((l) => l.value);
}

export function formatReport(report: EvaluationReport): string {
  const rows: [string, string][] = [
    ['examples', String(report.examples)],
    ['BLEU (sacrebleu, 0-100)', report.bleu.score.toFixed(2)],
    ['F1 (ParlAI, 0-1)', report.f1.f1.toFixed(4)],
    ['distinct-1 / distinct-2 (corpus)', `${report.distinct.distinct1.toFixed(4)} / ${report.distinct.distinct2.toFixed(4)}`],
    ['entropy-4 (nats)', report.entropy.entropy4.toFixed(3)],
    ['average length (words)', report.averageLength.words.toFixed(2)],
    ['perplexity (response tokens)', report.perplexity ? report.perplexity.perplexity.toFixed(2) : '-'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), '', report.bleu.line].join('\n');
}

export async function evaluateCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['input', 'output'], switches: ['help'] });
  if (args.switches.has('help') || !args.values.input) {
    console.log('usage: demi evaluate --input generations.jsonl [--output report.json]');
    if (!args.switches.has('help')) throw new CliError('--input is required');
    return;
  }
  const lines = readGenerations(args.values.input);
  if (lines.length === 0) throw new CliError(`${args.values.input} has no generations`);
  const nll: NllStats[] | undefined = lines.every((l) => l.referenceNll !== undefined && l.referenceTokens !== undefined)
    ? lines.map((l) => ({ nllSum: l.referenceNll!, tokenCount: l.referenceTokens! }))
    : undefined;
  const report = evaluateCorpus({
    hypotheses: lines.map((l) => l.hypothesis),
    references: lines.map((l) => l.reference),
    nll,
    options: { nllTokenizer: 'model tokenizer (response tokens + EOS)' },
  });
  if (args.values.output) writeFileSync(args.values.output, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
}
