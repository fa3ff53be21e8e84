/**
 * Writing a directory (or a file) so that a kill at any moment leaves either the old complete copy
 * or the new complete one, never a half-written one, and nothing that the next start cannot sort out.
 *
 * A directory `X` is written as `.X.tmp-<stamp>` (files flushed one by one), renamed to `.X.new-<stamp>`
 * once complete (the rename is what marks it complete), and swapped in: `X` -> `.X.old-<stamp>`,
 * `.X.new-<stamp>` -> `X`, then `.X.old-<stamp>` is removed. A kill between any two steps leaves
 * `X` or a complete `.X.new-*` / `.X.old-*`; `recoverDirectory(X)` (run before every write, and by
 * the trainer on start) puts the newest complete copy back at `X` and removes the rest: a
 * `.X.tmp-*` is never trusted, since it may be half written.
 *
 * DEMI_FAULT=<point>[:<name>[:<n>]] kills the process (SIGKILL) the n-th time (default 1st) it reaches
 * `point` while writing a directory or file called `name` (any, if omitted). Points: `writing` (a
 * directory's first file is written), `before-swap` (the new copy is complete), `between-renames`,
 * `before-cleanup` (the old copy is still there), and `before-rename` (a file's temporary is
 * complete). It exists for the fault-injection tests (test/core/atomic-dir.test.ts) and costs one
 * environment lookup per point.
 */
import {
  closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync,
} from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { log } from './log.js';

export type DirectoryFiles = Record<string, string | Uint8Array>;

const faultHits = new Map<string, number>();

/** The DEMI_FAULT hook (see the top of this file). */
export function faultPoint(point: string, target: string): void {
  const spec = process.env.DEMI_FAULT;
  if (!spec) return;
  const [wanted, name, nth] = spec.split(':');
  if (wanted !== point || (name && name !== basename(target))) return;
  const hits = (faultHits.get(spec) ?? 0) + 1;
  faultHits.set(spec, hits);
  if (hits === Number(nth || 1)) process.kill(process.pid, 'SIGKILL');
}

/**
 * Node's fs.writeSync / readFileSync refuse more than 2 GiB in one call, and a checkpoint's optimizer
 * state passes that from ~270M parameters (two moments of 4 bytes each): whole files go in pieces.
 */
const IO_CHUNK_BYTES = 1 << 30;

/** Writes `data` to `path` (created or truncated) in pieces of at most `chunkBytes`. */
export function writeWholeFile(path: string, data: string | Uint8Array, chunkBytes = IO_CHUNK_BYTES): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'w');
  try {
    for (let offset = 0; offset < bytes.length;) {
      offset += writeSync(fd, bytes, offset, Math.min(chunkBytes, bytes.length - offset));
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads all of `path` in pieces of at most `chunkBytes` (up to Buffer's own limit, 4 GiB on 64-bit). */
export function readWholeFile(path: string, chunkBytes = IO_CHUNK_BYTES): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.allocUnsafe(size);
    for (let offset = 0; offset < size;) {
      const read = readSync(fd, bytes, offset, Math.min(chunkBytes, size - offset), offset);
      if (read === 0) throw new Error(`${path} ended at byte ${offset} of ${size}`);
      offset += read;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

let sequence = 0;

/** A sibling name of `target` that sorts by creation: `.NAME.KIND-<ms>-<pid>-<seq>`. */
export function siblingPath(target: string, kind: 'tmp' | 'new' | 'old'): string {
  sequence += 1;
  return join(dirname(target), `.${basename(target)}.${kind}-${Date.now()}-${process.pid}-${sequence}`);
}

function flush(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Leftovers of earlier writes of `target`, by kind, newest first. */
function leftovers(target: string): Record<'tmp' | 'new' | 'old', string[]> {
  const found: Record<'tmp' | 'new' | 'old', { path: string; time: number }[]> = { tmp: [], new: [], old: [] };
  const parent = dirname(target);
  if (!existsSync(parent)) return { tmp: [], new: [], old: [] };
  const prefix = `.${basename(target)}.`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const kind = /^(tmp|new|old)-/.exec(name.slice(prefix.length))?.[1] as 'tmp' | 'new' | 'old' | undefined;
    if (!kind) continue;
    const path = join(parent, name);
    found[kind].push({ path, time: statSync(path).mtimeMs });
  }
  const newestFirst = (list: { path: string; time: number }[]) => list.sort((a, b) => b.time - a.time || (a.path < b.path ? 1 : -1)).map((e) => e.path);
  return { tmp: newestFirst(found.tmp), new: newestFirst(found.new), old: newestFirst(found.old) };
}

export interface Recovery {
  /** The leftover now at the target's place, if the target was missing or older. */
  restored?: string;
  /** Leftovers removed (temporaries and superseded copies). */
  removed: string[];
}

/**
 * Puts the newest complete copy of `target` in place after a killed write (a complete new copy beats
 * the target, the target beats old copies) and removes the other leftovers. Logs one line when it
 * changed anything. A no-op when there are no leftovers.
 */
export function recoverDirectory(target: string): Recovery {
  const found = leftovers(target);
  const removed: string[] = [];
  if (found.tmp.length + found.new.length + found.old.length === 0) return { removed };
  const winner = found.new[0] ?? (existsSync(target) ? undefined : found.old[0]);
  const superseded = [...found.tmp, ...found.new, ...found.old].filter((p) => p !== winner);
  if (winner) {
    if (existsSync(target)) {
      const aside = siblingPath(target, 'old');
      renameSync(target, aside);
      superseded.push(aside);
    }
    renameSync(winner, target);
    flush(dirname(target));
  }
  for (const path of superseded) {
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  log.warn({ target, restored: winner, removed: removed.length },
    winner ? `recovered ${target} from ${basename(winner)} after an interrupted write` : `removed leftovers of an interrupted write of ${target}`);
  return { restored: winner, removed };
}

export function writeDirectoryAtomically(target: string, files: DirectoryFiles): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  // A leftover .new from a killed write must not later win over what this write puts in place.
  recoverDirectory(target);
  const tmp = siblingPath(target, 'tmp');
  const fresh = siblingPath(target, 'new');
  const old = siblingPath(target, 'old');
  mkdirSync(tmp);
  try {
    for (const [name, data] of Object.entries(files)) {
      const path = join(tmp, name);
      // A name may hold a folder ("onnx/model.onnx"): the folder is made inside the temporary copy.
      mkdirSync(dirname(path), { recursive: true });
      writeWholeFile(path, data);
      flush(path);
      faultPoint('writing', target);
    }
    flush(tmp);
    renameSync(tmp, fresh);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  faultPoint('before-swap', target);
  const hadTarget = existsSync(target);
  if (hadTarget) renameSync(target, old);
  faultPoint('between-renames', target);
  try {
    renameSync(fresh, target);
  } catch (err) {
    if (hadTarget) renameSync(old, target);
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  }
  flush(parent);
  faultPoint('before-cleanup', target);
  rmSync(old, { recursive: true, force: true });
}

/** Removes `.NAME.tmp-*` files of `path` that a killed writer left. */
export function removeStaleTemporaries(path: string): string[] {
  const parent = dirname(path);
  if (!existsSync(parent)) return [];
  const prefix = `.${basename(path)}.tmp-`;
  const removed = readdirSync(parent).filter((name) => name.startsWith(prefix)).map((name) => join(parent, name));
  for (const stale of removed) rmSync(stale, { recursive: true, force: true });
  return removed;
}

/** Replaces one file atomically: a flushed temporary sibling renamed over it. */
export function writeFileAtomically(path: string, data: string | Uint8Array): void {
  const tmp = siblingPath(path, 'tmp');
  try {
    writeWholeFile(tmp, data);
    flush(tmp);
    faultPoint('before-rename', path);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  flush(dirname(path));
}

/**
 * Streams a file into place: `write` fills a temporary sibling, which is flushed and closed; `check`
 * (optional) may then reject what was written by throwing; a rename puts it at `path`. On any failure
 * the temporary is removed and `path` is left as it was, so no reader ever sees a partial file.
 */
export async function streamFileAtomically(path: string, write: (fh: FileHandle) => Promise<void>, check?: () => void): Promise<void> {
  const tmp = siblingPath(path, 'tmp');
  const fh = await open(tmp, 'wx');
  let ok = false;
  try {
    await write(fh);
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await rm(tmp, { force: true });
  }
  try {
    check?.();
    faultPoint('before-rename', path);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Moves `path` to a timestamped sibling (`PATH.moved-YYYYMMDD-HHMMSS`, then -2, -3, ...) and
 * returns the new path: how a command makes room without deleting anything.
 */
export function moveAside(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  let aside = `${path}.moved-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.moved-${stamp}-${n}`;
  renameSync(path, aside);
  return aside;
}
