/**
 * Greedy decoding and multinomial sampling for a batch of prompts (HF `_sample`, which does both):
 * per token one forward of [rows, 1] with the KV cache and one read-back of [rows, vocab] logits;
 * each row's logits go through the processors (HF order), then argmax or a seeded draw. Finished
 * sequences leave the batch (their cache rows are dropped), so the batch only shrinks.
 */
import { SeededRandom } from '../../core/index.js';
import { Decoder } from './decoder.js';
import { argmax, sampleToken } from './token-choice.js';
import { TextStream } from './text-stream.js';
import { elapsed, yieldToEventLoop, type RunContext } from './run-context.js';
import type { FinishReason, GenerationResult } from './result.js';

interface Sequence {
  index: number;
  prompt: number[];
  generated: number[];
  /** prompt + generated: the processors' view (HF's input_ids). */
  ids: number[];
  promptLength: number;
  random: SeededRandom | undefined;
  stream: TextStream;
  finish?: FinishReason;
  eos: boolean;
  firstTokenMs: number | null;
  result?: GenerationResult;
}

/**
 * Row i samples from its own stream, the i-th fork of the base generator: row 0 of a batch draws
 * exactly what the same prompt alone draws with the same seed, and no row's draws depend on how
 * many other rows there are or when they finish.
 */
function sequenceRandoms(context: RunContext): (SeededRandom | undefined)[] {
  const { config, options, prompts } = context;
  if (!config.doSample) return prompts.map(() => undefined);
  const base = config.seed !== undefined ? new SeededRandom(config.seed) : options.random ?? new SeededRandom(0);
  return prompts.map(() => base.fork());
}

export async function greedyOrSample(context: RunContext): Promise<GenerationResult[]> {
  const { model, config, options, processors } = context;
  const { vocabSize: V, blockSize } = model.config;
  const eos = new Set(config.eosTokenId);
  const randoms = sequenceRandoms(context);
  const sequences: Sequence[] = context.prompts.map((prompt, index) => ({
    index, prompt, generated: [], ids: [...prompt], promptLength: prompt.length, random: randoms[index], eos: false,
    firstTokenMs: null,
    stream: new TextStream(options.tokenizer, config.stopStrings,
      options.onText ? (delta) => options.onText!(delta, index) : undefined),
  }));

  const finish = (s: Sequence, reason: FinishReason) => {
    s.finish = reason;
    const text = s.stream.finish(s.generated);
    s.result = {
      tokenIds: s.generated, text, finishReason: reason,
      usage: { promptTokens: s.promptLength, completionTokens: s.generated.length + (s.eos ? 1 : 0) },
      timings: { firstTokenMs: s.firstTokenMs, totalMs: elapsed(context) },
    };
  };

  if (options.signal?.aborted) {
    sequences.forEach((s) => finish(s, 'cancelled'));
    return sequences.map((s) => s.result!);
  }

  const decoder = new Decoder(model, context.prompts, config.useCache);
  try {
    let active = sequences;
    let logits = decoder.prefill();
    for (;;) {
      const chosen = active.map((s, r) => {
        const row = logits.subarray(r * V, (r + 1) * V);
        for (const p of processors) p.process(row, s);
        return s.random ? sampleToken(row, s.random) : argmax(row);
      });
      const now = elapsed(context);
      active.forEach((s, r) => {
        const token = chosen[r];
        s.firstTokenMs ??= now;
        if (token < 0) return finish(s, 'stop'); // every token banned
        if (eos.has(token)) {
          s.eos = true;
          return finish(s, 'eos');
        }
        s.generated.push(token);
        s.ids.push(token);
        const stopped = s.stream.incremental && s.stream.update(s.generated);
        if (stopped) return finish(s, 'stop');
        if (s.generated.length >= config.maxNewTokens || s.ids.length >= blockSize) return finish(s, 'length');
      });
      await yieldToEventLoop(context);
      const keep: number[] = [];
      active.forEach((s, r) => {
        if (s.finish === undefined) keep.push(r);
      });
      if (keep.length === 0) break;
      if (options.signal?.aborted) {
        for (const r of keep) finish(active[r], 'cancelled');
        break;
      }
      decoder.select(keep);
      active = keep.map((r) => active[r]);
      logits = decoder.step(active.map((s) => s.generated[s.generated.length - 1]));
    }
  } finally {
    decoder.dispose();
  }
  return sequences.map((s) => s.result!);
}
