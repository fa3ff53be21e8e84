/**
 * The layout rules of docs/ARCHITECTURE.md §2 hold for the repository (floors, no import cycle,
 * nothing pointing outside it), and the checker finds each kind of violation in a small made-up tree.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error a plain .mjs script (also run alone by .ci/run), no type declarations
import { checkStructure } from '../../scripts/check-structure.mjs';

type Report = { files: number; problems: string[] };

test('the repository respects its floors, has no import cycle and points nowhere outside itself', () => {
  const report = checkStructure() as Report;
  expect(report.files).toBeGreaterThan(100);
  expect(report.problems).toEqual([]);
});

test('the checker reports a floor violation, a cycle (type-only imports count) and an outside pointer', () => {
  const root = mkdtempSync(join(tmpdir(), 'demi-structure-'));
  try {
    const files: Record<string, string> = {
      'core/index.ts': "export const one = 1;\n",
      'data/reader.ts': "import { gpt } from '../model/gpt.js';\nexport const reader = gpt;\n",
      'model/gpt.ts': "import { one } from '../core/index.js';\nexport const gpt = one;\n",
      'model/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
      'model/b.ts': "import { a } from './c.js';\nexport type B = 2;\nexport const b = a;\n",
      'model/c.ts': "export const a = await import('./a.js');\n",
      'README.md': `See ${['..', 'shared', 'DESIGN.md'].join('/')}\n`,
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, dirname(name)), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    execFileSync('git', ['init', '-q'], { cwd: root });
    const { problems } = checkStructure(root) as Report;
    expect(problems).toEqual(expect.arrayContaining([
      'data/reader.ts imports model/gpt.ts: data/ may import only core, data',
      'import cycle: model/a.ts -> model/b.ts -> model/c.ts',
      expect.stringMatching(/^README\.md:1 points outside the repository/),
    ]));
    expect(problems).toHaveLength(3);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
