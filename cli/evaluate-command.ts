/**
 * `demi evaluate --input generations.jsonl [--input more.jsonl ...] [--output report.json]`: the metrics of
 * docs/ARCHITECTURE.md §7 over the JSONL that `demi generate` writes (one run, or the parts of a
 * `--shard I/N` run), as a JSON report and a readable table on stdout.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
  shard: z.object({
    part: z.number().int().min(1),
    parts: z.number().int().min(1),
    position: z.number().int().min(0),
    examples: z.number().int().min(0),
  }).optional(),
}).passthrough();
type Generation = z.infer<typeof GenerationLine>;

const USAGE = `usage: demi evaluate --input FILE.jsonl [--input FILE.jsonl ...] [--output report.json] [--partial]
  --input FILE   \`demi generate\` output; repeat it for the parts of a --shard I/N run (any order):
                 the lines are pooled into one corpus (BLEU from pooled n-gram counts, not averaged
                 per file), so the report is the one the unsharded run gives. An id in two files is
                 refused, and so is a sharded run with a part missing
  --partial      score the shard files given even if parts of their run are missing
  --output FILE  the report as JSON`;

export function readGenerations(path: string): Generation[] {
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
    [
      'most frequent reply / top 10 (share)',
      `${(100 * report.replies.maxShare).toFixed(1)}% ${JSON.stringify(report.replies.mostFrequent[0]!.text)} / ${(100 * report.replies.topShare).toFixed(1)}%`,
    ],
    ['perplexity (response tokens)', report.perplexity ? report.perplexity.perplexity.toFixed(2) : '-'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), '', report.bleu.line].join('\n');
}

/**
 * The lines of several `demi generate` files as one corpus: no id in two files, and the parts of a
 * sharded run complete (unless `partial`) and put back in the unsharded run's order, so that
 * order-sensitive float sums (F1 mean, entropy, NLL) come out bit for bit as one run's.
 */
export function poolGenerations(files: readonly string[], partial = false): Generation[] {
  const seenPath = new Map<string, string>();
  for (const file of files) {
    const earlier = seenPath.get(resolve(file));
    if (earlier !== undefined) throw new CliError(`--input ${file} is given twice (also as ${earlier}): give each file once`);
    seenPath.set(resolve(file), file);
  }
  const fileOfId = new Map<string, string>();
  const lines: Generation[] = [];
  for (const file of files) {
    const fileLines = readGenerations(file);
    if (files.length > 1) {
      // Ids repeat within one file only if the input did; across files they mean overlapping runs.
      const own = new Set<string>();
      for (const line of fileLines) {
        if (line.id === undefined) continue;
        const key = JSON.stringify(line.id);
        const other = fileOfId.get(key);
        if (other !== undefined) {
          throw new CliError(`id ${key} is in both ${other} and ${file}: the files overlap; give each shard of one run once, and not the unsharded output with its shards`);
        }
        own.add(key);
      }
      for (const key of own) fileOfId.set(key, file);
    }
    lines.push(...fileLines);
  }
  const sharded = lines.filter((l) => l.shard !== undefined);
  if (sharded.length === 0) return lines;
  if (sharded.length !== lines.length) {
    throw new CliError('some --input lines come from a --shard run and some do not: evaluate the parts of one sharded run together, or one unsharded run');
  }
  const { parts, examples } = sharded[0].shard!;
  if (sharded.some((l) => l.shard!.parts !== parts || l.shard!.examples !== examples)) {
    throw new CliError('the --input files come from different sharded runs (their I/N or run sizes differ): give the N parts of one run');
  }
  if (!partial) {
    const present = new Set(sharded.map((l) => l.shard!.part));
    const positions = new Set(sharded.map((l) => l.shard!.position));
    // A part can be empty (fewer conversations than parts), so the positions decide, and the
    // missing part numbers only help find the file.
    if (positions.size !== examples || lines.length !== examples) {
      const missing = Array.from({ length: parts }, (_, i) => i + 1).filter((p) => !present.has(p)).map((p) => `shard ${p}/${parts}`);
      throw new CliError(`the shard files hold ${positions.size} of the run's ${examples} examples${missing.length > 0 ? ` (no lines of ${missing.join(', ')})` : ''}: give every part's file, or --partial to score only these`);
    }
  }
  return [...lines].sort((a, b) => a.shard!.position - b.shard!.position);
}

export async function evaluateCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['output'], repeated: ['input'], switches: ['help', 'partial'], command: 'evaluate' });
  const inputs = args.repeated.input ?? [];
  if (args.switches.has('help') || inputs.length === 0) {
    console.log(USAGE);
    if (!args.switches.has('help')) throw new CliError('--input is required');
    return;
  }
  const lines = poolGenerations(inputs, args.switches.has('partial'));
  if (lines.length === 0) throw new CliError(`${inputs.join(', ')} ${inputs.length === 1 ? 'has' : 'have'} no generations`);
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
