/** Reading a JSONL input file line by line against a zod schema, with errors that name file:line. */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describeIssues } from '../core/index.js';
import { CliError } from './errors.js';

export function readJsonLines<S extends z.ZodTypeAny>(path: string, schema: S, expected: string): { line: number; value: z.infer<S> }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return text.split('\n').flatMap((raw, i) => {
    if (raw.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new CliError(`${path}:${i + 1}: not valid JSON`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new CliError(`${path}:${i + 1}: expected ${expected}: ${describeIssues(parsed.error.issues)}`);
    }
    return [{ line: i + 1, value: parsed.data }];
  });
}
