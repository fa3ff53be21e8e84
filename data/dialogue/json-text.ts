/**
 * JSON.parse for whole corpus files with the line of a syntax error in the typed error (V8's
 * messages do not always give a position, so on failure a small validating scanner finds it), and
 * a one-line description of a zod validation failure (which field of which entry).
 */

import type { ZodError } from 'zod';
import { DatasetFormatError } from '../errors.js';

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
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      while (true) {
        ws();
        string();
        ws();
        if (text[i] !== ':') throw new At(i);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else throw new At(i);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else throw new At(i);
      }
    }
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

/** "turns.3.utterance: Expected string, received number" for the first issue of a zod error. */
export function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${path}${issue.message}${more}`;
}
