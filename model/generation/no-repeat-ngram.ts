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
import { FILTER_VALUE, type LogitsProcessor, type SequenceView } from './logits-processor.js';

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
