/**
 * Stop strings on decoded text. Convention (OpenAI / llama.cpp, not HF): generation of a sequence
 * stops as soon as its generated text *contains* a stop string (only the generated text is
 * searched, never the prompt), and the output text ends just before the stop string: the stop
 * string and anything after it are cut. "Contains" rather than "ends with" because a token can run
 * past the end of a stop string (e.g. stop "\n" inside the token "\nA"). HF's `StopStringCriteria`
 * also stops on the token that completes the string but returns the text with it; the generator
 * keeps HF's token ids (`tokenIds` include the tokens that spelled the stop string) and OpenAI's text.
 */

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
