/**
 * The text side of generation: stop strings on the decoded text, and the incremental
 * detokenisation that streams it without ever emitting part of a stop string.
 *
 * Stop strings: convention of OpenAI / llama.cpp, not HF: generation of a sequence stops as soon as
 * its generated text *contains* a stop string (only the generated text is searched, never the
 * prompt), and the output text ends just before the stop string: the stop string and anything
 * after it are cut. "Contains" rather than "ends with" because a token can run past the end of a
 * stop string (e.g. stop "\n" inside the token "\nA"). HF's `StopStringCriteria` also stops on the
 * token that completes the string but returns the text with it; the generator keeps HF's token ids
 * (`tokenIds` include the tokens that spelled the stop string) and OpenAI's text.
 */

// ---- stop strings

/** Index of the earliest occurrence of any stop string in `text`, or -1. */
export function findStopString(text: string, stopStrings: readonly string[]): number {
  let at = -1;
  for (const s of stopStrings) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/**
 * Length of the longest suffix of `text` that is a proper prefix of some stop string: text a
 * streamer must hold back, because the next token may complete a stop string that is then cut.
 */
export function partialStopSuffix(text: string, stopStrings: readonly string[]): number {
  let best = 0;
  for (const s of stopStrings) {
    for (let len = Math.min(s.length - 1, text.length); len > best; len--) {
      if (text.endsWith(s.slice(0, len))) {
        best = len;
        break;
      }
    }
  }
  return best;
}

// ---- streaming

/** The one thing generation needs from a tokenizer (data/tokenizer's Tokenizer fits). */
export interface TokenDecoder {
  decode(ids: readonly number[]): string;
}

/**
 * Incremental detokenisation of one generated sequence: after every token the whole generated
 * sequence is decoded again (as HF's `TextStreamer`, generation/streamers.py, does) and only the
 * new suffix is emitted, and only up to complete characters and never into a possible stop string:
 * - a trailing run of U+FFFD (what a byte-level decoder renders an incomplete UTF-8 sequence as) is
 *   held back until the next token completes it;
 * - a suffix that is the beginning of a stop string is held back until it is known not to be one;
 * - at the end everything left is flushed, so the concatenated deltas equal the final text (as long
 *   as decoding is prefix-stable, which byte-level BPE and SentencePiece decoding are for the
 *   text before the last token; HF's streamer makes the same assumption).
 */
export class TextStream {
  private emitted = 0;
  private stopAt = -1;
  private finished = false;

  constructor(
    private readonly tokenizer: TokenDecoder,
    private readonly stopStrings: readonly string[],
    private readonly onDelta?: (delta: string) => void,
  ) {}

  /** Whether `update` must be called after every token (stop strings or streaming in use). */
  get incremental(): boolean {
    return this.stopStrings.length > 0 || this.onDelta !== undefined;
  }

  /** After each token, with all generated ids so far; returns true when a stop string was generated. */
  update(generated: readonly number[]): boolean {
    const text = this.tokenizer.decode(generated);
    const stop = this.stopStrings.length > 0 ? findStopString(text, this.stopStrings) : -1;
    if (stop >= 0) {
      this.stopAt = stop;
      this.emitUpTo(text, stop);
      return true;
    }
    if (!this.onDelta) return false;
    let safe = text.length;
    while (safe > 0 && text.charCodeAt(safe - 1) === 0xfffd) safe--;
    safe -= partialStopSuffix(text.slice(0, safe), this.stopStrings);
    this.emitUpTo(text, safe);
    return false;
  }

  /** The final text (cut before a stop string if one was found); emits whatever was held back. */
  finish(generated: readonly number[]): string {
    if (this.finished) throw new Error('TextStream.finish called twice');
    this.finished = true;
    let text = this.tokenizer.decode(generated);
    if (this.stopAt >= 0) text = text.slice(0, this.stopAt);
    this.emitUpTo(text, text.length);
    return text;
  }

  private emitUpTo(text: string, end: number): void {
    if (!this.onDelta || end <= this.emitted) return;
    const delta = text.slice(this.emitted, end);
    this.emitted = end;
    this.onDelta(delta);
  }
}
