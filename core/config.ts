/**
 * Configs and options: a JSON file, command-line overrides (`--set objective.levels=2`), then a zod
 * schema. One loader for the dialogue and vision trainers, and one way to word a zod failure, used
 * by every validation in the project (configs, CLI options, server payloads).
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from './errors.js';

type Issue = { path: readonly (string | number)[]; message: string };

/** Zod issues as one readable line: "params.temperature: Expected number, received string". */
export function describeIssues(issues: readonly Issue[], prefix = '', limit = 5): string {
  const shown = issues.slice(0, limit).map((i) => `${[prefix, ...i.path].filter((p) => p !== '').join('.') || '(root)'}: ${i.message}`);
  const more = issues.length > limit ? ` (and ${issues.length - limit} more)` : '';
  return `${shown.join('; ')}${more}`;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * `a.b.c=value` sets a nested field on a copy; the value is JSON where it parses (numbers,
 * booleans, arrays, quoted strings), else the raw string.
 */
export function applyOverrides(base: Record<string, unknown>, overrides: readonly string[]): Record<string, unknown> {
  const out = structuredClone(base);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError(`override '${o}' must look like key.path=value`);
    const path = o.slice(0, eq).split('.');
    let node = out;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = parseValue(o.slice(eq + 1));
  }
  return out;
}

/** Parses with `schema` or throws a ConfigError that names `what` and every problem. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, raw: unknown, what: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid ${what}: ${describeIssues(result.error.issues, '', 20)}`);
  return result.data;
}

/** Reads a JSON config (none: `{}`), applies the overrides, validates with `schema`. */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, file: string | undefined, overrides: readonly string[], what: string): z.output<S> {
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`, { hint: 'check the path and that the file is JSON' });
    }
  }
  return parseConfig(schema, applyOverrides(base, overrides), `${what}${file ? ` (${file})` : ''}`);
}
