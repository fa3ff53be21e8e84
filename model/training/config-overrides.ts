/**
 * Command-line overrides of a JSON config (`--set objective.levels=2`), shared by the dialogue and
 * vision trainers: `a.b.c=value` sets a nested field on a copy; the value is JSON where it parses
 * (numbers, booleans, arrays, quoted strings), else the raw string.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

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
