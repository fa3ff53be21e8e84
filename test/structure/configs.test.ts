/**
 * Every shipped config parses with the schema its command uses, so a README command that names one
 * cannot fail on a typo; the prompt files are what `demi generate --input` reads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDialogueTrainConfig } from '../../model/dialogue/index.js';
import { parseVisionTrainConfig } from '../../model/vision/config.js';
// @ts-expect-error a plain .mjs script module, no type declarations
import { checkSweepSettings } from '../../scripts/sweep-settings.mjs';

const dir = 'configs';
const files = readdirSync(dir);

test.each(files.filter((f) => f.endsWith('.json')))('%s parses', (file) => {
  const path = join(dir, file);
  if (file.startsWith('vision-')) expect(() => parseVisionTrainConfig(JSON.parse(readFileSync(path, 'utf8')), path)).not.toThrow();
  else if (file.startsWith('decoding-sweep')) expect(() => checkSweepSettings(JSON.parse(readFileSync(path, 'utf8')), path)).not.toThrow();
  else expect(loadDialogueTrainConfig(path, []).outDir).toMatch(/^runs\//);
});

test.each(files.filter((f) => f.endsWith('.jsonl')))('%s holds contexts with unique ids', (file) => {
  const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; context: unknown });
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(Array.isArray(line.context) && line.context.length > 0 && line.context.every((t) => typeof t === 'string' && t.trim() !== '')).toBe(true);
  }
  expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
});
