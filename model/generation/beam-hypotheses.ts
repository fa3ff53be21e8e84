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

export interface Hypothesis {
  score: number;
  /** Generated ids, without the EOS that finished it. */
  tokens: number[];
  /** Whether it finished with EOS (false: still running when generation ended). */
  eos: boolean;
}

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
