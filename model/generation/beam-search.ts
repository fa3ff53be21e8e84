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
import { Decoder } from './decoder.js';
import { BeamHypotheses, type Hypothesis } from './beam-hypotheses.js';
import { logSoftmaxInPlace } from './token-choice.js';
import { TextStream } from './text-stream.js';
import { elapsed, yieldToEventLoop, type RunContext } from './run-context.js';
import type { FinishReason, GenerationResult } from './result.js';

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
export function topOfRow(row: Float32Array, count: number): { score: number; token: number }[] {
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

  const decoder = new Decoder(model, context.prompts, config.useCache);
  try {
    // Rows of the decoder: the running beams of every unfinished prompt, prompt by prompt.
    let active = searches;
    let logits = decoder.prefill();
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
      logits = decoder.step(tokens);
    }
  } finally {
    decoder.dispose();
  }
  return searches.map((s) => s.result!);
}
