/**
 * The decoding loops of one `generate` call, after HF's `GenerationMixin`: greedy decoding and
 * multinomial sampling (`_sample`), beam search (`_beam_search` with `BeamSearchScorer` and
 * `BeamHypotheses`), and the token choice they share. Both loops run every prompt of the batch
 * through one Decoder and take finished sequences out of it.
 */
import { SeededRandom } from '../../core/index.js';
import type { GPT } from '../transformer/index.js';
import type { GenerationConfig } from './config.js';
import type { LogitsProcessor } from './logits-process.js';
import { Decoder, type StepDecoder } from './decoder.js';
import { TextStream } from './text-stream.js';
import type { FinishReason, GenerateOptions, GenerationResult } from './result.js';

/** What the decoding loops (greedy/sampling, beam search) share for one `generate` call. */
export interface RunContext {
  model: GPT;
  config: GenerationConfig;
  /** Truncated, checked prompts. */
  prompts: number[][];
  processors: LogitsProcessor[];
  options: GenerateOptions;
  /** performance.now() at the call. */
  start: number;
}

function elapsed(context: RunContext): number {
  return performance.now() - context.start;
}

/**
 * Runs one decoding loop on a decoder over the prompts (TF.js's, or the one `options.decoder` makes);
 * its KV cache is freed however the loop ends.
 */
async function withDecoder(context: RunContext, loop: (decoder: StepDecoder, prefill: Float32Array) => Promise<void>): Promise<void> {
  const { prompts, config, options } = context;
  const decoder = options.decoder ? options.decoder(prompts, config.useCache) : new Decoder(context.model, prompts, config.useCache);
  try {
    await loop(decoder, await decoder.prefill());
  } finally {
    decoder.dispose();
  }
}

/** Gives the event loop a turn (cancel messages, socket heartbeats) unless the caller opted out. */
async function yieldToEventLoop(context: RunContext): Promise<void> {
  if (context.options.yieldBetweenTokens === false) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
}

// ---- token choice

/*
 * Choosing the next token from processed scores: greedy argmax (HF `torch.argmax`: the first of
 * tied maxima) and multinomial sampling from softmax(scores) with a SeededRandom (HF
 * `torch.multinomial(softmax(scores), 1)`), plus the log-softmax beam search scores with.
 * All in float64 over a Float32Array row.
 */

/** Index of the largest score (the first one on ties); -1 when every score is -inf or NaN. */
export function argmax(scores: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] > bestValue) {
      bestValue = scores[i];
      best = i;
    }
  }
  return best;
}

/**
 * Inverse-CDF draw from softmax(scores) with one uniform from `random`; tokens at -inf have
 * probability 0 and are never drawn. Returns -1 when no token has positive probability.
 */
export function sampleToken(scores: Float32Array, random: SeededRandom): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  if (max === -Infinity || Number.isNaN(max)) return -1;
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += Math.exp(scores[i] - max);
  const target = random.uniform() * z;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < scores.length; i++) {
    const w = Math.exp(scores[i] - max);
    if (w === 0) continue;
    cum += w;
    last = i;
    if (target < cum) return i;
  }
  return last; // rounding put the target past the sum: the last token with mass
}

/** log_softmax over one row, in place. */
export function logSoftmaxInPlace(scores: Float32Array): void {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  if (max === -Infinity) return;
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += Math.exp(scores[i] - max);
  const logZ = max + Math.log(z);
  for (let i = 0; i < scores.length; i++) scores[i] = scores[i] - logZ;
}

// ---- greedy decoding and sampling

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

/**
 * Greedy decoding and multinomial sampling for a batch of prompts (HF `_sample`, which does both):
 * per token one forward of [rows, 1] with the KV cache and one read-back of [rows, vocab] logits;
 * each row's logits go through the processors (HF order), then argmax or a seeded draw. Finished
 * sequences leave the batch (their cache rows are dropped), so the batch only shrinks.
 */
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

  await withDecoder(context, async (decoder, prefill) => {
    let active = sequences;
    let logits = prefill;
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
      logits = await decoder.step(active.map((s) => s.generated[s.generated.length - 1]));
    }
  });
  return sequences.map((s) => s.result!);
}

// ---- beam search

export interface Hypothesis {
  score: number;
  /** Generated ids, without the EOS that finished it. */
  tokens: number[];
  /** Whether it finished with EOS (false: still running when generation ended). */
  eos: boolean;
}

/**
 * HF `BeamHypotheses` (generation/beam_search.py): the n best finished hypotheses of one prompt.
 * - score = sum_logprobs / generated_len ** length_penalty, where generated_len counts the
 *   generated tokens *including* the EOS that finished the hypothesis (HF passes
 *   `cur_len + 1 - decoder_prompt_len`) but not the prompt; hypotheses still running at the end are
 *   added with all their generated tokens. (HF before ~4.34 divided by the length *with* the prompt;
 *   we follow the current rule.)
 * - `add` keeps the n best; `worstScore` starts at 1e9 as in HF.
 * - `isDone(best_sum_logprobs, cur_len)` with HF's three `early_stopping` values:
 *   true: done as soon as n hypotheses are finished;
 *   false: done when the worst kept score >= best_sum_logprobs / cur_len ** length_penalty (HF's
 *   heuristic: it assumes the best running beam would finish now, which is not an upper bound
 *   when length_penalty > 0);
 *   'never': like false, but with length_penalty > 0 the bound uses the maximum length, so it only
 *   stops when no running beam can still win (canonical beam search).
 */
export class BeamHypotheses {
  readonly beams: Hypothesis[] = [];
  worstScore = 1e9;

  constructor(
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: boolean | 'never',
    /** Largest number of tokens this prompt may generate (HF: max_length - prompt length). */
    readonly maxNewTokens: number,
  ) {}

  get size(): number {
    return this.beams.length;
  }

  add(tokens: number[], sumLogprobs: number, generatedLength: number, eos: boolean): void {
    const score = sumLogprobs / generatedLength ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ score, tokens, eos });
      if (this.beams.length > this.numBeams) {
        const sorted = this.beams.map((b, i) => [b.score, i] as const).sort((a, b) => a[0] - b[0]);
        this.beams.splice(sorted[0][1], 1);
        this.worstScore = sorted[1][0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  /** `generatedLength` is HF's `cur_len - decoder_prompt_len`, counting the token being chosen. */
  isDone(bestSumLogprobs: number, generatedLength: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const length = this.earlyStopping === 'never' && this.lengthPenalty > 0 ? this.maxNewTokens : generatedLength;
    return this.worstScore >= bestSumLogprobs / length ** this.lengthPenalty;
  }

  /** The best hypothesis. HF sorts ascending (stable) and pops the last, so of tied best scores the one later in the list wins. */
  best(): Hypothesis | undefined {
    let best: Hypothesis | undefined;
    for (const b of this.beams) if (!best || b.score >= best.score) best = b;
    return best;
  }
}

interface Beam {
  tokens: number[];
  /** Sum of processed log-probs of `tokens`. */
  score: number;
}

interface Candidate {
  score: number;
  beam: number;
  token: number;
}

interface PromptSearch {
  index: number;
  prompt: number[];
  beams: Beam[];
  hypotheses: BeamHypotheses;
  /** Tokens this prompt may generate: min(maxNewTokens, blockSize - prompt length). */
  maxNew: number;
  done: boolean;
  cancelled: boolean;
  firstTokenMs: number | null;
  result?: GenerationResult;
}

/** The best `count` (score, token) of one row, best first; ties keep the lower token id first. */
function topOfRow(row: Float32Array, count: number): { score: number; token: number }[] {
  const best: { score: number; token: number }[] = [];
  for (let token = 0; token < row.length; token++) {
    const score = row[token];
    if (best.length === count && !(score > best[count - 1].score)) continue;
    if (best.length === count) best.pop();
    // insertion into a short sorted list (count is 2-3 x numBeams)
    let i = best.length;
    while (i > 0 && best[i - 1].score < score) i--;
    best.splice(i, 0, { score, token });
  }
  return best;
}

/**
 * Beam search with HF's BeamSearchScorer semantics (generation/beam_search.py, utils.py `_beam_search`):
 * - every step, each running beam's logits become log-softmax scores, the processors are applied
 *   to those log-probs (HF quirk: so repetition penalty always multiplies there, and nothing is
 *   renormalised), and the beam's running sum is added;
 * - of all beams x vocabulary the best `max(2, 1 + #eos) * numBeams` candidates are taken in order:
 *   an EOS candidate ranked below `numBeams` is ignored, one ranked within becomes a finished
 *   hypothesis (scored sum / generated_len ** lengthPenalty, EOS counted in the length), every
 *   other candidate extends a beam until `numBeams` beams are running again;
 * - a prompt is done when `BeamHypotheses.isDone` (its `earlyStopping` rule) says so, given the
 *   best candidate score; at the length limit the running beams join the hypotheses; the best
 *   hypothesis is returned.
 * Differences from HF, none of which changes which sequence wins except in ties or float32 rounding:
 * - the first step expands the prompt's single row instead of starting numBeams copies with
 *   scores [0, -1e9, ...] (same candidates whenever the row has 2 x numBeams finite scores);
 * - scores are summed in float64 (HF: float32); ties are ordered by beam then token id;
 * - prompts whose search is done leave the batch (HF keeps them, padded, until all are done);
 * - stop strings are applied to the chosen hypothesis afterwards (text cut, finish reason 'stop').
 */
export async function beamSearch(context: RunContext): Promise<GenerationResult[]> {
  const { model, config, options, processors } = context;
  const { vocabSize: V, blockSize } = model.config;
  const numBeams = config.numBeams;
  const eos = new Set(config.eosTokenId);
  const candidateCount = Math.max(2, 1 + eos.size) * numBeams;
  const searches: PromptSearch[] = context.prompts.map((prompt, index) => {
    const maxNew = Math.min(config.maxNewTokens, blockSize - prompt.length);
    return {
      index, prompt, beams: [{ tokens: [], score: 0 }], maxNew, done: false, cancelled: false, firstTokenMs: null,
      hypotheses: new BeamHypotheses(numBeams, config.lengthPenalty, config.earlyStopping, maxNew),
    };
  });

  const finalize = (s: PromptSearch) => {
    let best: Hypothesis | undefined = s.hypotheses.best();
    if (s.cancelled || !best) {
      const beam = s.beams[0];
      best = { tokens: beam.tokens, score: beam.score / Math.max(1, beam.tokens.length) ** config.lengthPenalty, eos: false };
    }
    const stream = new TextStream(options.tokenizer, config.stopStrings,
      options.onText ? (delta) => options.onText!(delta, s.index) : undefined);
    const stopped = config.stopStrings.length > 0 && stream.update(best.tokens);
    const text = stream.finish(best.tokens);
    const reason: FinishReason = s.cancelled ? 'cancelled' : stopped ? 'stop' : best.eos ? 'eos' : 'length';
    s.result = {
      tokenIds: best.tokens, text, finishReason: reason, score: best.score,
      usage: { promptTokens: s.prompt.length, completionTokens: best.tokens.length + (best.eos ? 1 : 0) },
      timings: { firstTokenMs: s.firstTokenMs, totalMs: elapsed(context) },
    };
  };

  if (options.signal?.aborted) {
    for (const s of searches) {
      s.cancelled = true;
      finalize(s);
    }
    return searches.map((s) => s.result!);
  }

  await withDecoder(context, async (decoder, prefill) => {
    // Rows of the decoder: the running beams of every unfinished prompt, prompt by prompt.
    let active = searches;
    let logits = prefill;
    for (;;) {
      const sources: number[] = [];
      const tokens: number[] = [];
      const now = elapsed(context);
      let row0 = 0;
      const stillActive: PromptSearch[] = [];
      for (const s of active) {
        s.firstTokenMs ??= now;
        const rowCount = s.beams.length; // this prompt's rows in `logits`
        const candidates: Candidate[] = [];
        s.beams.forEach((beam, b) => {
          const row = logits.subarray((row0 + b) * V, (row0 + b + 1) * V);
          logSoftmaxInPlace(row);
          if (processors.length > 0) {
            const view = { ids: [...s.prompt, ...beam.tokens], promptLength: s.prompt.length };
            for (const p of processors) p.process(row, view);
          }
          for (const c of topOfRow(row, candidateCount)) candidates.push({ score: beam.score + c.score, beam: b, token: c.token });
        });
        candidates.sort((a, b) => b.score - a.score || a.beam - b.beam || a.token - b.token);
        const generatedLength = s.beams[0].tokens.length + 1; // HF: cur_len + 1 - prompt length
        const next: { beam: number; token: number; score: number }[] = [];
        for (let rank = 0; rank < Math.min(candidateCount, candidates.length) && next.length < numBeams; rank++) {
          const c = candidates[rank];
          if (eos.has(c.token)) {
            if (rank >= numBeams) continue;
            s.hypotheses.add(s.beams[c.beam].tokens, c.score, generatedLength, true);
          } else {
            next.push(c);
          }
        }
        const bestCandidate = candidates.length > 0 ? candidates[0].score : -Infinity;
        if (s.hypotheses.isDone(bestCandidate, generatedLength) || next.length === 0) {
          s.done = true;
          finalize(s);
        } else {
          s.beams = next.map((c) => ({ tokens: [...s.beams[c.beam].tokens, c.token], score: c.score }));
          if (generatedLength >= s.maxNew) {
            // HF finalize: running beams join the hypotheses with all their tokens
            for (const beam of s.beams) s.hypotheses.add(beam.tokens, beam.score, beam.tokens.length, false);
            s.done = true;
            finalize(s);
          } else {
            for (const c of next) {
              sources.push(row0 + c.beam);
              tokens.push(c.token);
            }
            stillActive.push(s);
          }
        }
        row0 += rowCount;
      }
      await yieldToEventLoop(context);
      if (stillActive.length === 0) break;
      if (options.signal?.aborted) {
        for (const s of stillActive) {
          s.cancelled = true;
          finalize(s);
        }
        break;
      }
      decoder.select(sources);
      active = stillActive;
      logits = await decoder.step(tokens);
    }
  });
  return searches.map((s) => s.result!);
}
