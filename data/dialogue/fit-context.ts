/**
 * Context truncation on turn boundaries (DESIGN §5): when the context does not fit the model's
 * block, whole turns are dropped from the front (oldest first) until it does. A turn is never cut
 * in the middle here.
 */

/**
 * The index of the first context turn to keep so that the kept turns' total length is at most
 * `budget`. `lengths[i]` is turn i's length in tokens, including whatever the caller adds per turn
 * (a separator). Returns `lengths.length` (keep nothing) when even the last turn alone is too long.
 */
export function contextStartIndex(lengths: readonly number[], budget: number): number {
  if (!(budget >= 0)) throw new RangeError(`budget must be >= 0, got ${budget}`);
  let total = 0;
  for (let i = lengths.length - 1; i >= 0; i--) {
    const n = lengths[i];
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`lengths[${i}] must be an integer >= 0, got ${n}`);
    if (total + n > budget) return i + 1;
    total += n;
  }
  return 0;
}

/** The most recent whole turns whose encoded lengths sum to at most `budget`. */
export function fitContext<T>(turns: readonly T[], lengthOf: (turn: T) => number, budget: number): T[] {
  return turns.slice(contextStartIndex(turns.map(lengthOf), budget));
}
