/**
 * HF `MinNewTokensLengthLogitsProcessor`: while fewer than `min_new_tokens` tokens have been
 * generated (`input_ids.shape[-1] - prompt_length_to_skip < min_new_tokens`), every EOS id gets -inf.
 * HF quirks reproduced:
 * - only EOS is suppressed: stop strings and max_new_tokens still end generation early.
 * - with several EOS ids all of them are suppressed.
 * - "generated" counts from the prompt as the model sees it (after truncation), as HF counts from
 *   the input length.
 */
import { FILTER_VALUE, type LogitsProcessor, type SequenceView } from './logits-processor.js';

export class MinNewTokensProcessor implements LogitsProcessor {
  readonly name = 'min-new-tokens';

  constructor(readonly minNewTokens: number, readonly eosTokenIds: readonly number[]) {
    if (!Number.isInteger(minNewTokens) || minNewTokens < 0) throw new RangeError(`minNewTokens has to be a non-negative integer, got ${minNewTokens}`);
  }

  process(scores: Float32Array, sequence: SequenceView): void {
    if (sequence.ids.length - sequence.promptLength >= this.minNewTokens) return;
    for (const id of this.eosTokenIds) if (id >= 0 && id < scores.length) scores[id] = FILTER_VALUE;
  }
}
