#!/usr/bin/env node
/**
 * The layout rules of docs/ARCHITECTURE.md, checked on the source tree:
 *  - floors: core <- data <- model <- server, cli (a floor imports only the floors below it);
 *  - no import cycle between files (static and dynamic imports both count);
 *  - nothing in the repository points outside it (no "../shared" path in a tracked file).
 * Prints every violation and exits 1 if there is one. `test/structure.test.ts` runs it, so
 * `npm test` guards the rules; it is also usable alone: `node scripts/check-structure.mjs`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Which top-level folders each floor may import from (itself included). */
const ALLOWED = {
  core: ['core'],
  data: ['core', 'data'],
  model: ['core', 'data', 'model'],
  server: ['core', 'data', 'model', 'server'],
  cli: ['core', 'data', 'model', 'server', 'cli'],
};

function trackedFiles(root) {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
  return out.toString('utf8').split('\0').filter((f) => f !== '' && existsSync(join(root, f)));
}

/** Relative imports of a file, resolved to repository paths of .ts files. */
function importsOf(root, file) {
  const text = readFileSync(join(root, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const targets = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const base = join(dirname(file), fileName);
    const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
    const hit = candidates.find((c) => c.endsWith('.ts') && existsSync(join(root, c)));
    if (hit) targets.push(relative(root, join(root, hit)));
  }
  return targets;
}

/** Strongly connected components with more than one file (or a file importing itself): Tarjan. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const on = new Set();
  const idx = new Map();
  const low = new Map();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v), idx.get(w)));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

export function checkStructure(root = repoRoot) {
  const files = trackedFiles(root);
  const sources = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('node_modules/'));
  const problems = [];
  const graph = new Map();
  for (const file of sources) {
    const targets = importsOf(root, file);
    graph.set(file, targets);
    const floor = file.split('/')[0];
    const allowed = ALLOWED[floor];
    if (!allowed) continue;
    for (const t of targets) {
      const targetFloor = t.split('/')[0];
      if (!allowed.includes(targetFloor)) problems.push(`${file} imports ${t}: ${floor}/ may import only ${allowed.join(', ')}`);
    }
  }
  for (const component of cycles(graph)) problems.push(`import cycle: ${component.join(' -> ')}`);
  const outside = /\.\.\/shared\b/;
  for (const file of files) {
    if (file === 'scripts/check-structure.mjs' || file === 'package-lock.json' || file.startsWith('node_modules/')) continue;
    if (!/\.(ts|mjs|js|cjs|json|md|cc|h|html|css|sh)$/.test(file) && !file.startsWith('.ci/')) continue;
    const text = readFileSync(join(root, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (outside.test(line)) problems.push(`${file}:${i + 1} points outside the repository: ${line.trim().slice(0, 120)}`);
    });
  }
  return { files: sources.length, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, problems } = checkStructure();
  for (const p of problems) console.error(p);
  console.log(`${files} source files: ${problems.length === 0 ? 'floors respected, no import cycle, nothing points outside the repository' : `${problems.length} problems`}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
