/**
 * Every logits processor, in one file as HF keeps them (`generation/logits_process.py`,
 * transformers.js `logits_process.js`): one small class per rule, then the list a config asks for.
 * A processor rewrites the next-token scores of ONE sequence in place: `scores` is a Float32Array of
 * vocabulary size (a row view into a [batch, V] buffer works), `sequence` is what HF calls
 * `input_ids` for that row: the prompt (after truncation) followed by the tokens generated so far,
 * without padding. Banned tokens get -Infinity, HF's `filter_value`.
 */
import type { GenerationConfig } from './config.js';

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

/**
 * The processors a config asks for, in HF's order (`GenerationMixin._get_logits_processor`):
 * processors first — repetition penalty, no-repeat-ngram, min-new-tokens — then, only when
 * sampling, the warpers temperature -> top-k -> top-p. Rules at their neutral value (penalty 1,
 * n-gram 0, min 0, temperature 1, top-k 0, top-p 1) are left out, as HF leaves them out.
 */
export function buildLogitsProcessors(config: GenerationConfig): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (config.repetitionPenalty !== 1) list.push(new RepetitionPenaltyProcessor(config.repetitionPenalty));
  if (config.noRepeatNgramSize > 0) list.push(new NoRepeatNgramProcessor(config.noRepeatNgramSize));
  if (config.minNewTokens > 0 && config.eosTokenId.length > 0) list.push(new MinNewTokensProcessor(config.minNewTokens, config.eosTokenId));
  if (config.doSample) {
    // HF: min_tokens_to_keep is 1 when sampling with one beam (2 for beam sampling, not supported here).
    if (config.temperature !== 1) list.push(new TemperatureWarper(config.temperature));
    if (config.topK > 0) list.push(new TopKWarper(config.topK, 1));
    if (config.topP < 1) list.push(new TopPWarper(config.topP, 1));
  }
  return list;
}

// ---- processors (always applied)

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

/**
 * HF `NoRepeatNGramLogitsProcessor`: ban every token that would complete an n-gram already present
 * in the sequence. HF's helpers (logits_process.py):
 *   _get_ngrams: for every n-gram (t_0 .. t_{n-1}) of input_ids, map prefix (t_0 .. t_{n-2}) -> [t_{n-1}, ...]
 *   _get_generated_ngrams: look up the last n-1 tokens, input_ids[cur_len + 1 - n : cur_len]
 *   _calc_banned_ngram_tokens: nothing is banned while cur_len + 1 < n
 * HF quirks reproduced:
 * - the n-grams come from the *whole* sequence, prompt included, so for a decoder-only chat model
 *   the dialogue history is blocked as well (ParlAI's context blocking, in effect).
 * - n = 1 bans every token that has appeared at all (the prefix is the empty tuple).
 * - the banned tokens get -inf whatever else has happened to them; if every token is banned, every
 *   score is -inf (HF then samples/argmaxes garbage; the generator reports the row as out of tokens).
 * Difference: HF's left-padded rows contain pad ids that take part in n-grams; ours carry none.
 */
export class NoRepeatNgramProcessor implements LogitsProcessor {
  readonly name = 'no-repeat-ngram';

  constructor(readonly ngramSize: number) {
    if (!Number.isInteger(ngramSize) || ngramSize <= 0) throw new RangeError(`noRepeatNgramSize has to be a positive integer, got ${ngramSize}`);
  }

  process(scores: Float32Array, sequence: SequenceView): void {
    for (const id of bannedNgramTokens(sequence.ids, this.ngramSize)) {
      if (id >= 0 && id < scores.length) scores[id] = FILTER_VALUE;
    }
  }
}

/** HF `_get_ngrams` for one sequence: prefix (joined by ',') -> tokens that followed it. */
export function getNgrams(ids: readonly number[], n: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i + n <= ids.length; i++) {
    const key = ids.slice(i, i + n - 1).join(',');
    const list = out.get(key);
    if (list) list.push(ids[i + n - 1]);
    else out.set(key, [ids[i + n - 1]]);
  }
  return out;
}

/** HF `_calc_banned_ngram_tokens` for one sequence of length cur_len = ids.length. */
export function bannedNgramTokens(ids: readonly number[], n: number): number[] {
  const curLen = ids.length;
  if (curLen + 1 < n) return [];
  const prefix = ids.slice(curLen + 1 - n, curLen).join(',');
  return getNgrams(ids, n).get(prefix) ?? [];
}

/**
 * HF `MinNewTokensLengthLogitsProcessor`: while fewer than `min_new_tokens` tokens have been
 * generated (`input_ids.shape[-1] - prompt_length_to_skip < min_new_tokens`), every EOS id gets -inf.
 * HF quirks reproduced:
 * - only EOS is suppressed: stop strings and max_new_tokens still end generation early.
 * - with several EOS ids all of them are suppressed.
 * - "generated" counts from the prompt as the model sees it (after truncation), as HF counts from
 *   the input length.
 */
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

// ---- warpers (sampling only)

/**
 * HF `TemperatureLogitsWarper`: scores / temperature.
 * HF quirks reproduced:
 * - temperature must be strictly positive (HF raises for 0: "set do_sample=False" for greedy); the
 *   config schema enforces it.
 * - it is a *warper*: only used when sampling (`doSample`); greedy and beam search ignore it.
 * - temperature 1.0 is not added to the list at all (a no-op either way).
 * -Infinity stays -Infinity, so tokens removed by an earlier processor stay removed.
 */
export class TemperatureWarper implements LogitsProcessor {
  readonly name = 'temperature';

  constructor(readonly temperature: number) {
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new RangeError(`temperature has to be a strictly positive finite number, got ${temperature}`);
    }
  }

  process(scores: Float32Array): void {
    const t = this.temperature;
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i] / t;
  }
}

/**
 * HF `TopKLogitsWarper`: keep the k highest scores, set the rest to -Infinity.
 * HF rule (logits_process.py): `top_k = min(max(top_k, min_tokens_to_keep), V)`;
 * `indices_to_remove = scores < topk(scores, top_k).values[..., -1]`.
 * HF quirks reproduced:
 * - removal is *strictly less than* the k-th largest value, so every token tied with the k-th
 *   value survives: more than k tokens can stay.
 * - `min_tokens_to_keep` raises k (beam search passes 2 in HF; we only use top-k when sampling).
 * - HF's default `top_k` is 50 and it applies whenever sampling, even if the user only set top_p.
 * - `top_k = 0` disables the warper (it is not added to the list).
 */
export class TopKWarper implements LogitsProcessor {
  readonly name = 'top-k';

  constructor(readonly topK: number, readonly minTokensToKeep = 1) {
    if (!Number.isInteger(topK) || topK <= 0) throw new RangeError(`topK has to be a positive integer, got ${topK}`);
    if (!Number.isInteger(minTokensToKeep) || minTokensToKeep < 1) throw new RangeError(`minTokensToKeep has to be >= 1, got ${minTokensToKeep}`);
  }

  process(scores: Float32Array): void {
    const k = Math.min(Math.max(this.topK, this.minTokensToKeep), scores.length);
    const threshold = kthLargest(scores, k);
    for (let i = 0; i < scores.length; i++) if (scores[i] < threshold) scores[i] = FILTER_VALUE;
  }
}

/** The k-th largest value of `values` (1-based k), in O(V log k) with a min-heap of size k. */
export function kthLargest(values: Float32Array, k: number): number {
  if (k < 1 || k > values.length) throw new RangeError(`kthLargest: k=${k} outside [1, ${values.length}]`);
  const heap = new Float64Array(k);
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heap[l] < heap[m]) m = l;
      if (r < size && heap[r] < heap[m]) m = r;
      if (m === i) return;
      const t = heap[i]; heap[i] = heap[m]; heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (size < k) {
      let j = size++;
      heap[j] = v;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (heap[p] <= heap[j]) break;
        const t = heap[p]; heap[p] = heap[j]; heap[j] = t;
        j = p;
      }
    } else if (v > heap[0]) {
      heap[0] = v;
      siftDown(0);
    }
  }
  return heap[0];
}

/**
 * HF `TopPLogitsWarper` (nucleus sampling), with HF's ascending formulation (logits_process.py):
 *   sorted = sort(scores, ascending); cum = cumsum(softmax(sorted));
 *   remove where cum <= 1 - top_p; never remove the last (largest) `min_tokens_to_keep`.
 * HF quirks reproduced:
 * - the test is on the cumulative mass of the *smaller* tokens: a token is dropped only if all the
 *   tokens below it (itself included) hold at most 1 - top_p. The kept set is the smallest set whose
 *   mass is >= top_p *plus* any token that brings the removed mass exactly past 1 - top_p; equality
 *   (cum == 1 - top_p) removes.
 * - `top_p = 0` keeps only `min_tokens_to_keep` tokens (greedy-like), `top_p = 1` disables the
 *   warper (it is not added to the list).
 * - it runs after top-k, so its softmax is over the tokens top-k kept.
 * Differences: the softmax and cumsum are in float64 here, HF's in the scores' dtype (float32), so a
 * token whose cumulative mass lies within float32 rounding of 1 - top_p may be decided differently.
 * Ties are ordered by token id (HF's torch.sort order for ties is unspecified).
 */
export class TopPWarper implements LogitsProcessor {
  readonly name = 'top-p';

  constructor(readonly topP: number, readonly minTokensToKeep = 1) {
    if (!(topP >= 0 && topP <= 1)) throw new RangeError(`topP has to be in [0, 1], got ${topP}`);
    if (!Number.isInteger(minTokensToKeep) || minTokensToKeep < 1) throw new RangeError(`minTokensToKeep has to be >= 1, got ${minTokensToKeep}`);
  }

  process(scores: Float32Array): void {
    // Tokens already at -inf have probability 0: HF removes them too (cum 0 <= 1 - p) or keeps them
    // at -inf (min_tokens_to_keep), so only finite scores need sorting.
    const finite: number[] = [];
    for (let i = 0; i < scores.length; i++) if (scores[i] !== -Infinity) finite.push(i);
    finite.sort((a, b) => scores[a] - scores[b] || b - a); // ascending; ties: larger id first, so smaller id ranks higher
    const n = finite.length;
    if (n === 0) return;
    const max = scores[finite[n - 1]];
    let z = 0;
    for (const i of finite) z += Math.exp(scores[i] - max);
    const limit = 1 - this.topP;
    const protectedFrom = n - this.minTokensToKeep; // positions >= this are always kept
    let cum = 0;
    for (let r = 0; r < n; r++) {
      const i = finite[r];
      cum += Math.exp(scores[i] - max) / z;
      if (cum <= limit && r < protectedFrom) scores[i] = FILTER_VALUE;
      else if (cum > limit) break; // cum only grows: nothing above is removed
    }
  }
}
