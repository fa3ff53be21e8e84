/**
 * The shape of one logits rule, after HF's `generation/logits_process.py` (one small class per rule).
 * A processor rewrites the next-token scores of ONE sequence in place: `scores` is a Float32Array of
 * vocabulary size (a row view into a [batch, V] buffer works), `sequence` is what HF calls
 * `input_ids` for that row: the prompt (after truncation) followed by the tokens generated so far,
 * without padding. Banned tokens get -Infinity, HF's `filter_value`.
 */

export interface SequenceView {
  /** Prompt ids followed by the generated ids (no padding, no EOS). */
  readonly ids: readonly number[];
  /** How many of `ids` are the prompt. */
  readonly promptLength: number;
}

export interface LogitsProcessor {
  readonly name: string;
  /** Rewrites `scores` (length V) in place. */
  process(scores: Float32Array, sequence: SequenceView): void;
}

/** HF's `filter_value` for removed tokens. */
export const FILTER_VALUE = -Infinity;

/**
 * Applies processors, in order, to every row of a [batch, V] buffer (row r is
 * `scores.subarray(r * V, (r + 1) * V)`), the way HF's `LogitsProcessorList` applies its list to a
 * [batch, V] tensor.
 */
export function applyProcessors(
  processors: readonly LogitsProcessor[], scores: Float32Array, vocabSize: number, sequences: readonly SequenceView[],
): void {
  if (scores.length !== vocabSize * sequences.length) {
    throw new Error(`applyProcessors: ${scores.length} scores for ${sequences.length} rows of ${vocabSize}`);
  }
  for (let r = 0; r < sequences.length; r++) {
    const row = scores.subarray(r * vocabSize, (r + 1) * vocabSize);
    for (const p of processors) p.process(row, sequences[r]);
  }
}
