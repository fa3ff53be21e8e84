/**
 * HF `RepetitionPenaltyLogitsProcessor` (CTRL, Keskar et al. 2019). For every distinct token id in
 * the sequence: `score = score < 0 ? score * penalty : score / penalty`.
 * HF quirks reproduced:
 * - the sequence is HF's `input_ids`: the prompt *and* the generated tokens, so a word that only
 *   occurs in the dialogue history is penalised too (transformers#36642, #26902).
 * - applied once per distinct id, however often it occurs (HF gathers then scatters).
 * - a score of exactly 0 is "divided" (stays 0); -inf stays -inf.
 * - a penalty < 1 *encourages* repetition; HF only requires it to be strictly positive.
 * - in beam search HF applies it to log-softmax scores, which are all <= 0, so there it always
 *   multiplies (the generator reproduces this by calling it on log-probs in beam search).
 * Difference: with left-padding HF also penalises the pad id (it is in `input_ids`); our sequences
 * carry no padding, so a padded row is treated exactly like the same prompt alone.
 */
import type { LogitsProcessor, SequenceView } from './logits-processor.js';

export class RepetitionPenaltyProcessor implements LogitsProcessor {
  readonly name = 'repetition-penalty';

  constructor(readonly penalty: number) {
    if (!(penalty > 0) || !Number.isFinite(penalty)) throw new RangeError(`repetition penalty has to be a strictly positive number, got ${penalty}`);
  }

  process(scores: Float32Array, sequence: SequenceView): void {
    const seen = new Set<number>();
    for (const id of sequence.ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (id < 0 || id >= scores.length) continue;
      const s = scores[id];
      scores[id] = s < 0 ? s * this.penalty : s / this.penalty;
    }
  }
}
