import {
  contextStartIndex,
  type Episode,
  episodeStats,
  episodeToExamples,
  episodesToExamples,
  fitContext,
} from '../../data/dialogue/index.js';

const ep: Episode = {
  id: 'e1',
  turns: [
    { speaker: 'A', text: 'one' },
    { speaker: 'B', text: 'two' },
    { speaker: 'A', text: 'three' },
    { speaker: 'B', text: 'four' },
  ],
};

describe('episodes -> examples', () => {
  it('every turn after the first is a response to all previous turns', () => {
    const xs = episodeToExamples(ep);
    expect(xs).toHaveLength(3);
    expect(xs.map((x) => x.response.text)).toEqual(['two', 'three', 'four']);
    expect(xs.map((x) => x.contextTurns.map((t) => t.text))).toEqual([['one'], ['one', 'two'], ['one', 'two', 'three']]);
    expect(xs.map((x) => x.turnIndex)).toEqual([1, 2, 3]);
    expect(xs.every((x) => x.episodeId === 'e1')).toBe(true);
  });

  it('a one-turn or empty episode gives nothing; no id -> no episodeId', () => {
    expect(episodeToExamples({ turns: [{ speaker: 'A', text: 'alone' }] })).toEqual([]);
    expect(episodeToExamples({ turns: [] })).toEqual([]);
    const x = episodeToExamples({ turns: ep.turns.slice(0, 2) })[0];
    expect('episodeId' in x).toBe(false);
  });

  it('maxContextTurns keeps the most recent turns; responseSpeaker filters responses', () => {
    const xs = episodeToExamples(ep, { maxContextTurns: 2 });
    expect(xs[2].contextTurns.map((t) => t.text)).toEqual(['two', 'three']);
    const onlyB = episodeToExamples(ep, { responseSpeaker: (s) => s === 'B' });
    expect(onlyB.map((x) => x.response.text)).toEqual(['two', 'four']);
    expect(() => episodeToExamples(ep, { maxContextTurns: 0 })).toThrow(RangeError);
  });

  it('counts match: examples = sum(turns - 1)', () => {
    const eps = [ep, { turns: ep.turns.slice(0, 1) }, { turns: ep.turns.slice(0, 3) }];
    expect(episodesToExamples(eps)).toHaveLength(3 + 0 + 2);
    expect(episodeStats(eps)).toEqual({ episodes: 3, turns: 8, examples: 5 });
  });
});

describe('context truncation on turn boundaries', () => {
  it('drops whole turns from the front until the rest fits', () => {
    expect(contextStartIndex([5, 3, 4], 100)).toBe(0);
    expect(contextStartIndex([5, 3, 4], 7)).toBe(1);
    expect(contextStartIndex([5, 3, 4], 6)).toBe(2);
    expect(contextStartIndex([5, 3, 4], 3)).toBe(3); // even the last turn is too long: keep none
    expect(contextStartIndex([], 3)).toBe(0);
    expect(contextStartIndex([5, 0, 4], 4)).toBe(1); // zero-length turns ride along
  });

  it('fitContext measures turns with the given function', () => {
    const kept = fitContext(ep.turns, (t) => t.text.length + 1, 11);
    expect(kept.map((t) => t.text)).toEqual(['three', 'four']);
    expect(() => fitContext(ep.turns, () => -1, 10)).toThrow(RangeError);
  });
});
