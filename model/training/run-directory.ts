/**
 * The output directory of a training run: what counts as a run there, and what a new run, a resumed
 * one and a forced one may do with it. Nothing here deletes: a run is continued (--resume), moved to
 * a timestamped sibling (--force), or refused, and leftovers of a killed checkpoint write are put
 * back in order first (core/atomic-dir.ts). One process at a time: a run holds `<out>.lock` while it
 * trains, so a second command on the same --out (a --resume, a --force that would move the live run
 * aside, a recovery that would tidy its half-written checkpoint) stops instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { log, moveAside, OutputDirectoryError, recoverDirectory } from '../../core/index.js';
import { CheckpointError } from '../errors.js';
import { CONFIG_FILE, isCheckpoint, TRAIN_STATE_FILE } from './checkpoint.js';

/** Entries that only a run writes; any of them makes the directory a run's. */
const RUN_ENTRIES = ['last', 'best', 'log.jsonl', 'config.resolved.json'];

/** Training settings a resumed run must keep, or it is not the run it continues. */
const FIXED_ON_RESUME = ['seed', 'batchSize'] as const;

export interface RunDirectoryOptions {
  resume?: boolean;
  force?: boolean;
  /** The new run's training block, compared with the checkpoint's on --resume. */
  training?: Record<string, unknown>;
}

/** Puts back the newest complete last/ and best/ after a killed write; removes stale temporaries. */
export function recoverCheckpoints(outDir: string): void {
  for (const name of ['last', 'best']) recoverDirectory(join(outDir, name));
}

function resumedSettings(lastDir: string): Record<string, unknown> {
  try {
    const config = JSON.parse(readFileSync(join(lastDir, CONFIG_FILE), 'utf8')) as { training?: Record<string, unknown> };
    return config.training ?? {};
  } catch (err) {
    throw new CheckpointError(`${join(lastDir, CONFIG_FILE)} cannot be read (${(err as Error).message})`, {
      hint: 'the checkpoint is corrupt; start a new run with --force or another --out',
    });
  }
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null; // unreadable or half-written: treated as stale
  }
}

/** Whether the holder may still be running: on another host nobody can tell, so it counts as alive. */
function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<outDir>.lock` (created exclusively, holding pid, host and start time) for this process, or
 * stops with the holder's pid when a live process has it. A lock left by a killed run (its pid gone
 * on this host) is taken over. Returns the release, which also runs at process exit.
 */
export function lockRunDirectory(outDir: string): () => void {
  const file = `${resolve(outDir)}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (attempt > 0 || (holder && holderAlive(holder))) {
        const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.since}` : 'another process';
        throw new OutputDirectoryError(`${outDir} is in use by another training run (${who})`, {
          hint: `wait for it to finish or choose another --out; if no such process is running, delete ${file}`,
        });
      }
      log.warn({ lock: file, holder }, 'taking over the lock of a run that is no longer running');
      rmSync(file, { force: true });
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  process.once('exit', release);
  return release;
}

/**
 * Gets `outDir` ready before any data is read: on --resume, a resumable last/ with the same seed and
 * batch size must be there; otherwise the directory must not hold a run unless `force`, which moves
 * it aside. Holds the directory's lock until `release` (or exit). Returns where a forced run's
 * predecessor went.
 */
export function prepareRunDirectory(outDir: string, options: RunDirectoryOptions = {}): { movedTo?: string; release: () => void } {
  if (options.resume && options.force) {
    throw new OutputDirectoryError('--resume and --force contradict each other', {
      hint: '--resume continues the run in --out; --force moves it aside and starts a new one',
    });
  }
  const release = lockRunDirectory(outDir);
  try {
    return { ...checkRunDirectory(outDir, options), release };
  } catch (error) {
    release();
    throw error;
  }
}

/** Runs `work` with `outDir` prepared (prepareRunDirectory) and releases the directory's lock when it ends, however it ends. */
export async function withRunDirectory<T>(outDir: string, options: RunDirectoryOptions, work: () => Promise<T>): Promise<T> {
  const { release } = prepareRunDirectory(outDir, options);
  try {
    return await work();
  } finally {
    release();
  }
}

function checkRunDirectory(outDir: string, options: RunDirectoryOptions): { movedTo?: string } {
  if (existsSync(outDir)) recoverCheckpoints(outDir);
  const lastDir = join(outDir, 'last');
  if (options.resume) {
    if (!isCheckpoint(lastDir) || !existsSync(join(lastDir, TRAIN_STATE_FILE))) {
      throw new CheckpointError(`--resume: there is no checkpoint at ${lastDir} to resume from`, {
        hint: 'a run writes last/ at its first validation; run without --resume to start one',
      });
    }
    const saved = resumedSettings(lastDir);
    for (const key of FIXED_ON_RESUME) {
      const was = saved[key];
      const now = options.training?.[key];
      if (was !== undefined && now !== undefined && was !== now) {
        throw new CheckpointError(`--resume: ${join(lastDir, CONFIG_FILE)} has training.${key} ${JSON.stringify(was)} but this run asks for ${JSON.stringify(now)}`, {
          hint: `a resumed run keeps its ${key} (pass --set training.${key}=${JSON.stringify(was)}), or start a new run with --force or another --out`,
        });
      }
    }
    return {};
  }
  const found = existsSync(outDir) ? readdirSync(outDir).filter((name) => RUN_ENTRIES.includes(name)) : [];
  if (found.length === 0) return {};
  if (!options.force) {
    throw new OutputDirectoryError(`${outDir} already holds a run (${found.join(', ')})`, {
      hint: 'continue it with --resume, start over with --force (moves the old run to a timestamped sibling, deletes nothing), or choose another --out',
    });
  }
  const movedTo = moveAside(outDir);
  log.warn({ from: outDir, to: movedTo }, `--force: moved the previous run in ${outDir} to ${movedTo}`);
  return { movedTo };
}
