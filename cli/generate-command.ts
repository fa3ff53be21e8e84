/**
 * `demi generate --model DIR (--input contexts.jsonl | --corpus dailydialog --split test [--data-path P])
 *   --output generations.jsonl [decoding flags]`: batch response generation for evaluation (docs/ARCHITECTURE.md §7).
 * Each output line: id, context, reference, hypothesis, decoding parameters, timing, finish reason,
 * and the model's NLL of the reference (for perplexity in `demi evaluate`).
 */
import { createWriteStream } from 'node:fs';
import { z } from 'zod';
import { episodeToExamples, spreadSample, TEST_SPLITS } from '../data/dialogue/index.js';
import { selectBackend } from '../model/engine/index.js';
import { encodeExample, loadDialogueModel, loadEpisodes, referenceNll, reply, type LoadedDialogueModel } from '../model/dialogue/index.js';
import { Progress, SeededRandom } from '../core/index.js';
import { intFlag, numberFlag, parseArgs } from './args.js';
import { CliError } from './errors.js';
import { readJsonLines } from './json-lines.js';

const HELP = `usage: demi generate --model DIR --output FILE.jsonl (--input FILE.jsonl | --corpus NAME [--split SPLIT] [--data-path PATH])
  --input FILE        JSONL, one {"context": ["turn", ...], "reference"?: "...", "id"?: ...} per line
  --corpus NAME       dailydialog | jsonl | wizard-of-wikipedia | topical-chat (every response turn is an example)
  --split SPLIT       default: the corpus's test split (dailydialog test, topical-chat test_freq,
                      wizard-of-wikipedia test_random_split); applies to --data-path too (a folder of
                      split files, or a file that must be that split's)
  --limit N           the first N examples only (consecutive turns of a few conversations)
  --spread N          N examples spread over the conversations (one per conversation, in a seeded
                      order, before a second from any; --seed picks them, default 0): a sample of the split
  --batch-size N      contexts decoded together (default 16; 1 = one by one)
  --max-new-tokens N  (default: the longest response the model was trained on)   --min-new-tokens N
  --sample            sampling instead of greedy; --temperature T --top-k K --top-p P --seed S
  --beams N           beam search;  --length-penalty L
  --repetition-penalty R   --no-repeat-ngram N
  --rerank N          DEMI rerank: sample N candidates, keep the critic's favourite
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

async function readCorpus(corpus: string, split: string | undefined, path?: string): Promise<Item[]> {
  const chosen = split ?? (TEST_SPLITS as Record<string, string>)[corpus] ?? 'test';
  const episodes = await loadEpisodes({ corpus: corpus as 'dailydialog', split: chosen, path, maxExamples: undefined as unknown as number }, '--data-path');
  return episodes.flatMap((episode, conversation) => episodeToExamples(episode).map((e) => ({
    id: `${e.episodeId ?? 'episode'}:${e.turnIndex}`, conversation, context: e.contextTurns.map((t) => t.text), reference: e.response.text,
  })));
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
    values: ['model', 'input', 'corpus', 'split', 'data-path', 'output', 'limit', 'spread', 'batch-size', 'max-new-tokens', 'min-new-tokens',
      'temperature', 'top-k', 'top-p', 'seed', 'beams', 'length-penalty', 'repetition-penalty', 'no-repeat-ngram', 'rerank', 'backend'],
    switches: ['sample', 'help'],
  });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  if (!args.values.model) throw new CliError(`--model is required\n\n${HELP}`);
  if (!args.values.output) throw new CliError(`--output is required\n\n${HELP}`);
  if (!args.values.input && !args.values.corpus) throw new CliError(`give --input FILE or --corpus NAME --split SPLIT\n\n${HELP}`);
  await selectBackend(args.values.backend);
  const limit = intFlag(args, 'limit');
  const spread = intFlag(args, 'spread');
  if (limit !== undefined && spread !== undefined) throw new CliError('give --limit N (the first N) or --spread N (a sample over the conversations), not both');
  let items = args.values.input ? readInput(args.values.input) : await readCorpus(args.values.corpus!, args.values.split, args.values['data-path']);
  if (limit !== undefined) items = items.slice(0, limit);
  if (spread !== undefined) items = spreadSample(items, spread, (item) => item.conversation, new SeededRandom(numberFlag(args, 'seed') ?? 0));
  const batchSize = numberFlag(args, 'batch-size') ?? 16;
  const rerank = numberFlag(args, 'rerank');
  const config = decodingConfig(args);
  const loaded: LoadedDialogueModel = await loadDialogueModel(args.values.model);
  // The context gets the block minus the reply's room, as in training; a longer reply budget
  // would cut the context the model conditions on.
  config.maxNewTokens ??= loaded.config.maxResponseTokens;
  const out = createWriteStream(args.values.output);
  const progress = new Progress(items.length, 0, 'ex');
  const start = performance.now();
  try {
    for (let i = 0; i < items.length; i += batchSize) {
      const chunk = items.slice(i, i + batchSize);
      const batchStart = performance.now();
      const results = await reply(loaded, chunk.map((c) => c.context), config, { rerank, yieldBetweenTokens: false });
      const ms = performance.now() - batchStart;
      const withReference = chunk.map((c) => (c.reference === undefined ? undefined : encodeExample(c.context,
        Array.isArray(c.reference) ? c.reference[0] : c.reference, loaded.tokenizer, loaded.format,
        { blockSize: loaded.model.config.blockSize, maxResponseTokens: loaded.config.maxResponseTokens })));
      const scorable = withReference.filter((e) => e !== undefined && e.contextIds.length > 0);
      const nlls = referenceNll(loaded.model, scorable as NonNullable<(typeof withReference)[number]>[], loaded.format);
      let k = 0;
      chunk.forEach((item, j) => {
        const e = withReference[j];
        const nll = e !== undefined && e.contextIds.length > 0 ? nlls[k++] : undefined;
        out.write(`${JSON.stringify({
          id: item.id, context: item.context, reference: item.reference ?? null, hypothesis: results[j].text,
          finishReason: results[j].finishReason, parameters: { ...config, rerank: rerank ?? 0, batchSize },
          timing: { batchMs: ms, firstTokenMs: results[j].timings.firstTokenMs },
          ...(nll ? { referenceNll: nll.nll, referenceTokens: nll.tokens } : {}),
        })}\n`);
      });
      const done = Math.min(items.length, i + batchSize);
      progress.update(done, { throughput: done / ((performance.now() - start) / 1000) });
    }
  } finally {
    progress.stop();
    await new Promise<void>((resolve) => out.end(resolve));
    loaded.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ examples: items.length, seconds, examplesPerSecond: items.length / seconds, output: args.values.output }));
}
