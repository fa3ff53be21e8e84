/**
 * Streams the elements of a file whose top level is a JSON array, one parsed element at a time,
 * with bounded memory (Wizard of Wikipedia's train.json embeds retrieved Wikipedia passages and is
 * too large to hold as one string). Each element is located by scanning brackets outside strings,
 * then handed to JSON.parse, so a malformed element is reported with its index and line.
 */

import { createReadStream } from 'node:fs';
import { DatasetFormatError } from '../errors.js';
import { jsonErrorOffset, lineOfOffset } from './json-text.js';

export interface ArrayElement {
  index: number;
  /** 1-based line where the element starts. */
  line: number;
  value: unknown;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

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
