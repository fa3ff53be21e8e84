/**
 * A hash of the code a cached test artefact was made by: the source floors, the launcher, the native
 * addon as built, the locked dependencies and the test helpers. A cache keyed on it is rebuilt after
 * any change to that code, so a test never runs against a model trained by older code.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_DIRS = ['core', 'data', 'model', 'cli', 'bin', 'test/helpers'];
const SOURCE = /\.(ts|mts|mjs|js|cc|h|gyp)$/;

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath ?? entry.path, entry.name);
      const inBuild = path.includes(`${join('native', 'build')}`);
      // the build folder's intermediates vary from build to build; the addon itself is what runs
      if (inBuild ? path.endsWith('.node') : SOURCE.test(entry.name)) files.push(path);
    }
  }
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(lock)) files.push(lock);
  return files.sort();
}

/** Hex digest (12 characters) over the code, plus whatever else the artefact depends on (its config, the caller's file). */
export function codeHash(...extra: string[]): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles()) hash.update(file.slice(ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
  for (const e of extra) hash.update(e).update('\0');
  return hash.digest('hex').slice(0, 12);
}
