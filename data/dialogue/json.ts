/**
 * JSON for corpus files, with the line of a syntax error in the typed error. V8's messages do not
 * always give a position, so on failure a small validating scanner finds it.
 *
 * Whole files go through `parseJsonText`. A file whose top level is a JSON array can instead be
 * streamed one parsed element at a time with bounded memory (`streamJsonArray`: Wizard of Wikipedia's
 * train.json embeds retrieved Wikipedia passages and is too large to hold as one string). Each
 * element is located by scanning brackets outside strings, then handed to JSON.parse, so a malformed
 * element is reported with its index and line.
 */

import { createReadStream } from 'node:fs';
import { DatasetFormatError } from '../errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

class At {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The character offset of the first JSON syntax error in `text`, or undefined if it parses (or is
 * nested too deeply to scan). Only called after JSON.parse has failed.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const string = () => {
    if (text[i] !== '"') throw new At(i);
    i++;
    while (true) {
      if (i >= n) throw new At(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new At(i);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new At(i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new At(i);
      } else i++;
    }
  };
  /** An object or array from its opening bracket: `member`s separated by commas, then `close`. */
  const container = (close: string, member: () => void) => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    while (true) {
      member();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else throw new At(i);
    }
  };
  const property = () => {
    ws();
    string();
    ws();
    if (text[i] !== ':') throw new At(i);
    i++;
    value();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', property);
    if (c === '[') return container(']', value);
    if (c === '"') return string();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    throw new At(i);
  };
  try {
    value();
    ws();
    if (i < n) throw new At(i);
    return undefined;
  } catch (e) {
    if (e instanceof At) return e.offset;
    return undefined; // stack overflow on absurd nesting: no position
  }
}

/** 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) line++;
  return line;
}

/** Parses `text` (the contents of `file`); a syntax error names the file and line. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const offset = jsonErrorOffset(text);
    const at = offset === undefined ? {} : { line: lineOfOffset(text, offset) };
    throw new DatasetFormatError(file, at, `invalid JSON (${(e as Error).message})`);
  }
}

// ---- streaming a top-level array

export interface ArrayElement {
  index: number;
  /** 1-based line where the element starts. */
  line: number;
  value: unknown;
}

export async function* streamJsonArray(path: string): AsyncGenerator<ArrayElement> {
  let started = false; // seen the opening '['
  let finished = false; // seen the closing ']'
  const closers: number[] = []; // expected closing brackets inside the current element
  let inString = false;
  let escaped = false;
  let line = 1;
  let parts: string[] = [];
  let elementLine = 1; // line of the element's first character
  let segmentLine = 1; // line of the separator before it (where its text starts)
  let hasContent = false;
  let index = 0;

  const parse = (): ArrayElement => {
    const text = parts.join('');
    parts = [];
    hasContent = false;
    try {
      return { index, line: elementLine, value: JSON.parse(text) };
    } catch (e) {
      const offset = jsonErrorOffset(text);
      const at = offset === undefined ? elementLine : segmentLine + lineOfOffset(text, offset) - 1;
      throw new DatasetFormatError(path, { line: at, entry: index }, `invalid JSON (${(e as Error).message})`);
    }
  };

  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const s = chunk as string;
    let segStart = 0; // start of the current element's text within s
    const out: ArrayElement[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        else {
          // fast-forward to the next quote or backslash
          const q = s.indexOf('"', i);
          const b = s.indexOf('\\', i);
          const next = q < 0 ? b : b < 0 ? q : Math.min(q, b);
          if (next < 0) {
            i = s.length - 1;
          } else i = next - 1;
        }
        continue;
      }
      if (c === NEWLINE) {
        line++;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0xfeff) continue;
      if (finished) {
        throw new DatasetFormatError(path, { line }, 'unexpected content after the closing "]" of the top-level array');
      }
      if (!started) {
        if (c !== 0x5b /* [ */) {
          throw new DatasetFormatError(path, { line }, 'the top level is not a JSON array (expected "[")');
        }
        started = true;
        segStart = i + 1;
        segmentLine = line;
        continue;
      }
      if (closers.length === 0 && (c === 0x2c /* , */ || c === 0x5d /* ] */)) {
        parts.push(s.slice(segStart, i));
        if (hasContent) {
          out.push(parse());
          index++;
        } else if (c === 0x2c || index > 0) {
          throw new DatasetFormatError(path, { line, entry: index }, 'empty array element (stray comma)');
        }
        parts = [];
        segStart = i + 1;
        segmentLine = line;
        if (c === 0x5d) finished = true;
        continue;
      }
      if (!hasContent) {
        hasContent = true;
        elementLine = line;
      }
      if (c === QUOTE) inString = true;
      else if (c === 0x7b || c === 0x5b) closers.push(c === 0x7b ? 0x7d : 0x5d);
      else if (c === 0x7d || c === 0x5d) {
        if (closers.pop() !== c) {
          throw new DatasetFormatError(path, { line, entry: index }, `invalid JSON (unexpected "${String.fromCharCode(c)}")`);
        }
      }
    }
    if (started && !finished) parts.push(s.slice(segStart));
    for (const e of out) yield e;
  }
  if (!started) throw new DatasetFormatError(path, {}, 'the file is empty (expected a JSON array)');
  if (!finished) {
    throw new DatasetFormatError(path, { line, entry: index }, 'the file ends inside the top-level array (truncated?)');
  }
}
