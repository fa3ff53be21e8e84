/**
 * `demi generate --model DIR (--input contexts.jsonl | --corpus dailydialog --split test [--data-path P])
 *   --output generations.jsonl [decoding flags]`: batch response generation for evaluation (docs/ARCHITECTURE.md §7).
 * Each output line: id, context, reference, hypothesis, decoding parameters, timing, finish reason,
 * and the model's NLL of the reference (for perplexity in `demi evaluate`); with `--shard I/N`, also the part and the
 * example's position in the unsharded run, which `demi evaluate` uses to pool the parts back into that run.
 */
import { createWriteStream } from 'node:fs';
import { z } from 'zod';
import { type CorpusText, episodeToExamples, spreadSample, TEST_SPLITS } from '../data/dialogue/index.js';
import { selectBackend } from '../model/engine/index.js';
import { encodeExample, loadDialogueModel, loadEpisodes, referenceNll, reply, type LoadedDialogueModel } from '../model/dialogue/index.js';
import { onnxRuntimeDecoder } from '../model/generation/index.js';
import { Progress, SeededRandom } from '../core/index.js';
import { corpusTextFlag, intFlag, numberFlag, parseArgs } from './args.js';
import { CliError } from './errors.js';
import { readJsonLines } from './json-lines.js';

const HELP = `usage: demi generate --model DIR --output FILE.jsonl (--input FILE.jsonl | --corpus NAME [--split SPLIT] [--data-path PATH])
  --input FILE        JSONL, one {"context": ["turn", ...], "reference"?: "...", "id"?: ...} per line
  --corpus NAME       dailydialog | jsonl | wizard-of-wikipedia | topical-chat (every response turn is an example)
  --split SPLIT       default: the corpus's test split (dailydialog test, topical-chat test_freq,
                      wizard-of-wikipedia test_random_split); applies to --data-path too (a folder of
                      split files, or a file that must be that split's)
  --corpus-text T     repaired (default: DailyDialog's "I'Ve" casing undone) | as-published
  --limit N           the first N examples only (consecutive turns of a few conversations)
  --spread N          N examples spread over the conversations (one per conversation, in a seeded
                      order, before a second from any; --seed picks them, default 0): a sample of the split
  --shard I/N         only the I-th of N disjoint parts (1-based: 1/N .. N/N), after --limit / --spread,
                      so N runs (any machines, any order) together write exactly the unsharded run's
                      examples; whole conversations go to one part, in contiguous blocks of about
                      equal size. Score them together: demi evaluate --input part1.jsonl --input part2.jsonl ...
  --batch-size N      contexts decoded together (default 16; 1 = one by one)
  --max-new-tokens N  (default: the longest response the model was trained on)   --min-new-tokens N
  --sample            sampling instead of greedy; --temperature T --top-k K --top-p P --seed S
  --beams N           beam search;  --length-penalty L
  --repetition-penalty R   --no-repeat-ngram N
  --rerank N          DEMI rerank: sample N candidates, keep the critic's favourite
  --runtime NAME      tfjs (default) or onnx: decode through onnxruntime-node (the model's ONNX graph,
                      built in memory as demi export --format onnx writes it, its LM head at the last
                      position only, with its KV cache);
                      reference NLL and the rerank critic stay on TF.js
  --backend NAME`;

const InputLine = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  context: z.array(z.string()).min(1),
  reference: z.union([z.string(), z.array(z.string())]).optional(),
});

interface Item {
  id: string | number;
  /** The conversation it comes from (for --spread). */
  conversation: number;
  context: string[];
  reference?: string | string[];
}

function readInput(path: string): Item[] {
  return readJsonLines(path, InputLine, '{"context": ["turn", ...], "reference"?: "..."}')
    .map(({ line, value }) => ({ id: value.id ?? line, conversation: line, context: value.context, reference: value.reference }));
}

async function readCorpus(corpus: string, split: string | undefined, path?: string, text?: CorpusText): Promise<Item[]> {
  const chosen = split ?? (TEST_SPLITS as Record<string, string>)[corpus] ?? 'test';
  const episodes = await loadEpisodes({ corpus: corpus as 'dailydialog', split: chosen, path, text }, '--data-path');
  return episodes.flatMap((episode, conversation) => episodeToExamples(episode).map((e) => ({
    // Ids must be unique across the split: evaluate refuses an id seen in two shard files.
    id: `${e.episodeId ?? `episode${conversation}`}:${e.turnIndex}`, conversation, context: e.contextTurns.map((t) => t.text), reference: e.response.text,
  })));
}

/** `--shard I/N` as 1-based {part, parts}. */
export function parseShard(raw: string): { part: number; parts: number } {
  const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const part = match ? Number(match[1]) : NaN;
  const parts = match ? Number(match[2]) : NaN;
  if (!match || parts < 1 || part < 1 || part > parts) {
    throw new CliError(`--shard takes I/N, got '${raw}': parts count from 1/N to N/N (e.g. --shard 1/4 ... --shard 4/4, one run each)`);
  }
  return { part, parts };
}

/**
 * The positions (in `items`) of part `part` of `parts`. A conversation's examples all go to the part
 * where its first example falls in equal blocks of the run, so parts are contiguous, about equal in
 * size, and never split a conversation; a part may be empty when there are fewer conversations than parts.
 */
function shardPositions(items: readonly Item[], part: number, parts: number): number[] {
  const partOf = new Map<number, number>();
  const positions: number[] = [];
  items.forEach((item, position) => {
    let p = partOf.get(item.conversation);
    if (p === undefined) {
      p = Math.floor((position * parts) / items.length) + 1;
      partOf.set(item.conversation, p);
    }
    if (p === part) positions.push(position);
  });
  return positions;
}

function decodingConfig(args: ReturnType<typeof parseArgs>) {
  const n = (name: string) => numberFlag(args, name);
  const config: Record<string, unknown> = {
    maxNewTokens: n('max-new-tokens'),
    minNewTokens: n('min-new-tokens'),
    doSample: args.switches.has('sample'),
    temperature: n('temperature'),
    topK: n('top-k'),
    topP: n('top-p'),
    numBeams: n('beams'),
    lengthPenalty: n('length-penalty'),
    repetitionPenalty: n('repetition-penalty'),
    noRepeatNgramSize: n('no-repeat-ngram'),
    seed: n('seed'),
  };
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}

export async function generateCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['model', 'input', 'corpus', 'split', 'data-path', 'corpus-text', 'output', 'limit', 'spread', 'batch-size', 'max-new-tokens', 'min-new-tokens',
      'temperature', 'top-k', 'top-p', 'seed', 'beams', 'length-penalty', 'repetition-penalty', 'no-repeat-ngram', 'rerank', 'backend', 'shard', 'runtime'],
    switches: ['sample', 'help'],
  });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  if (!args.values.model) throw new CliError(`--model is required\n\n${HELP}`);
  if (!args.values.output) throw new CliError(`--output is required\n\n${HELP}`);
  if (!args.values.input && !args.values.corpus) throw new CliError(`give --input FILE or --corpus NAME --split SPLIT\n\n${HELP}`);
  const shard = args.values.shard === undefined ? undefined : parseShard(args.values.shard);
  const runtimeName = args.values.runtime ?? 'tfjs';
  if (runtimeName !== 'tfjs' && runtimeName !== 'onnx') throw new CliError(`--runtime must be tfjs or onnx, got ${runtimeName}`);
  await selectBackend(args.values.backend);
  const limit = intFlag(args, 'limit');
  const spread = intFlag(args, 'spread');
  if (limit !== undefined && spread !== undefined) throw new CliError('give --limit N (the first N) or --spread N (a sample over the conversations), not both');
  let items = args.values.input ? readInput(args.values.input) : await readCorpus(args.values.corpus!, args.values.split, args.values['data-path'], corpusTextFlag(args.values['corpus-text']));
  if (limit !== undefined) items = items.slice(0, limit);
  if (spread !== undefined) items = spreadSample(items, spread, (item) => item.conversation, new SeededRandom(numberFlag(args, 'seed') ?? 0));
  const runSize = items.length;
  const positions = shard ? shardPositions(items, shard.part, shard.parts) : items.map((_, i) => i);
  items = positions.map((p) => items[p]);
  const batchSize = numberFlag(args, 'batch-size') ?? 16;
  const rerank = numberFlag(args, 'rerank');
  const config = decodingConfig(args);
  const loaded: LoadedDialogueModel = await loadDialogueModel(args.values.model);
  // The context gets the block minus the reply's room, as in training; a longer reply budget
  // would cut the context the model conditions on.
  config.maxNewTokens ??= loaded.config.maxResponseTokens;
  const runtime = runtimeName === 'onnx' ? await onnxRuntimeDecoder(loaded.model) : undefined;
  const out = createWriteStream(args.values.output);
  const progress = new Progress(items.length, 0, 'ex');
  const start = performance.now();
  try {
    for (let i = 0; i < items.length; i += batchSize) {
      const chunk = items.slice(i, i + batchSize);
      const batchStart = performance.now();
      const results = await reply(loaded, chunk.map((c) => c.context), config, { rerank, yieldBetweenTokens: false, decoder: runtime?.decoder });
      const ms = performance.now() - batchStart;
      const withReference = chunk.map((c) => (c.reference === undefined ? undefined : encodeExample(c.context,
        Array.isArray(c.reference) ? c.reference[0] : c.reference, loaded.tokenizer, loaded.format,
        { blockSize: loaded.model.config.blockSize, maxResponseTokens: loaded.config.maxResponseTokens })));
      const scorable = withReference.filter((e) => e !== undefined && e.contextIds.length > 0);
      // One example per forward pass: batched, an example's NLL moves in the last float bits with the
      // padded length and size of its batch, so a shard would not reproduce the unsharded run's lines.
      const nlls = referenceNll(loaded.model, scorable as NonNullable<(typeof withReference)[number]>[], loaded.format, 1);
      let k = 0;
      chunk.forEach((item, j) => {
        const e = withReference[j];
        // The position in the unsharded run lets evaluate restore its order (float sums are
        // order-sensitive) and check that every part is there.
        const shardInfo = shard ? { shard: { part: shard.part, parts: shard.parts, position: positions[i + j], examples: runSize } } : {};
        const nll = e !== undefined && e.contextIds.length > 0 ? nlls[k++] : undefined;
        out.write(`${JSON.stringify({
          id: item.id, context: item.context, reference: item.reference ?? null, hypothesis: results[j].text,
          finishReason: results[j].finishReason, parameters: { ...config, rerank: rerank ?? 0, batchSize, ...(runtime ? { runtime: 'onnx' } : {}) },
          timing: { batchMs: ms, firstTokenMs: results[j].timings.firstTokenMs },
          ...(nll ? { referenceNll: nll.nll, referenceTokens: nll.tokens } : {}),
          ...shardInfo,
        })}\n`);
      });
      const done = Math.min(items.length, i + batchSize);
      progress.update(done, { throughput: done / ((performance.now() - start) / 1000) });
    }
  } finally {
    progress.stop();
    await new Promise<void>((resolve) => out.end(resolve));
    await runtime?.release();
    loaded.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ examples: items.length, ...(shard ? { shard: `${shard.part}/${shard.parts}`, ofExamples: runSize } : {}), seconds, examplesPerSecond: items.length / seconds, output: args.values.output }));
}
