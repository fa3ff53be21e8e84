/** Streaming text: complete characters only, never into a stop string; deltas concatenate to the text. */
import { selectBackend } from '../../model/engine/index.js';
import type { GPT } from '../../model/transformer/index.js';
import { generate, TextStream, findStopString, partialStopSuffix } from '../../model/generation/index.js';
import { byteTokenizer, BYTE_EOS, tinyModel } from './helpers.js';

let byteModel: GPT;
beforeAll(async () => {
  await selectBackend();
  byteModel = tinyModel(257, 2);
});
afterAll(() => byteModel.dispose());

/** Feeds ids one at a time, as the generator does, and collects the deltas. */
function stream(ids: number[], stopStrings: string[] = []) {
  const deltas: string[] = [];
  const s = new TextStream(byteTokenizer, stopStrings, (d) => deltas.push(d));
  const generated: number[] = [];
  let stoppedAt = -1;
  for (const id of ids) {
    generated.push(id);
    if (s.update(generated)) { stoppedAt = generated.length; break; }
  }
  return { deltas, text: s.finish(generated), stoppedAt };
}

describe('TextStream (byte-level ids: multi-byte characters span tokens)', () => {
  test('a character is emitted only once all its bytes are there', () => {
    // a (1 byte), ñ (2), € (3), 😀 (4: a surrogate pair in JS)
    const { deltas, text } = stream(byteTokenizer.encode('añ€😀!'));
    expect(deltas).toEqual(['a', 'ñ', '€', '😀', '!']);
    expect(text).toBe('añ€😀!');
  });

  test('an incomplete character at the end is flushed as U+FFFD so the deltas still equal the text', () => {
    const bytes = byteTokenizer.encode('a€').slice(0, 3); // 'a' + 2 of the 3 bytes of €
    const { deltas, text } = stream(bytes);
    expect(text).toBe('a\uFFFD');
    expect(deltas).toEqual(['a', '\uFFFD']);
  });

  test('text that may begin a stop string is held back until it is decided', () => {
    const kept = stream(byteTokenizer.encode('ab\nUx'), ['\nUser:']);
    expect(kept.deltas).toEqual(['a', 'b', '\nUx']); // "\n" and "\nU" were held, then released
    expect(kept.text).toBe('ab\nUx');
    const stopped = stream(byteTokenizer.encode('ab\nUser: hi'), ['\nUser:']);
    expect(stopped.deltas).toEqual(['a', 'b']);
    expect(stopped.text).toBe('ab');
    expect(stopped.stoppedAt).toBe(8); // the token that completed the stop string
  });

  test('a token running past the stop string still stops (contains, not ends-with)', () => {
    const tokenizer = { decode: (ids: readonly number[]) => ids.map((i) => ['he', 'llo', ' wor', 'ld\nnext'][i]).join('') };
    const deltas: string[] = [];
    const s = new TextStream(tokenizer, ['\n'], (d) => deltas.push(d));
    const ids: number[] = [];
    let stopped = false;
    for (const id of [0, 1, 2, 3]) { ids.push(id); if ((stopped = s.update(ids))) break; }
    expect(stopped).toBe(true);
    expect(s.finish(ids)).toBe('hello world');
    expect(deltas.join('')).toBe('hello world');
  });

  test('helpers', () => {
    expect(findStopString('abcabc', ['ca', 'b'])).toBe(1);
    expect(findStopString('abc', ['x'])).toBe(-1);
    expect(partialStopSuffix('hello\nUs', ['\nUser:', 'lo!'])).toBe(3);
    expect(partialStopSuffix('hello', ['lo'])).toBe(0); // a whole stop string is a match, not a partial one
  });
});

describe('generate streaming', () => {
  test('byte-level tokens: deltas are whole characters and concatenate to the text', async () => {
    for (const seed of [1, 2, 3]) {
      const deltas: string[] = [];
      const r = await generate(byteModel, byteTokenizer.encode('héllo '), { doSample: true, topK: 0, maxNewTokens: 24, seed },
        { tokenizer: byteTokenizer, onText: (d, i) => { expect(i).toBe(0); deltas.push(d); } });
      expect(deltas.join('')).toBe(r.text);
      let emitted = '';
      deltas.forEach((d, i) => {
        expect(d.length).toBeGreaterThan(0);
        emitted += d;
        expect(r.text.startsWith(emitted)).toBe(true);
        // only the final flush may end in U+FFFD (an incomplete character at the length limit)
        if (i < deltas.length - 1) expect(d.endsWith('\uFFFD')).toBe(false);
      });
    }
  });
  test('EOS is never part of the text', async () => {
    const r = await generate(byteModel, [104, 105], { maxNewTokens: 30, eosTokenId: BYTE_EOS, minNewTokens: 0 }, { tokenizer: byteTokenizer });
    expect(r.text).toBe(byteTokenizer.decode(r.tokenIds));
    expect(r.tokenIds).not.toContain(BYTE_EOS);
  });
});
