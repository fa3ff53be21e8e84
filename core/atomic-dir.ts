/**
 * Writing a directory so that a kill at any moment leaves either the old complete directory or the
 * new complete one, never a half-written one: files go to a temporary sibling, are flushed, and the
 * sibling replaces the target by rename.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type DirectoryFiles = Record<string, string | Uint8Array>;

function flush(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeDirectoryAtomically(target: string, files: DirectoryFiles): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  const old = join(parent, `.${basename(target)}.old-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    for (const [name, data] of Object.entries(files)) {
      const path = join(tmp, name);
      writeFileSync(path, data);
      flush(path);
    }
    flush(tmp);
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    flush(parent);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(target) && existsSync(old)) renameSync(old, target);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}
