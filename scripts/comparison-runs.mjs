/**
 * What scripts/compare-dialogue.mjs and scripts/compare-vision.mjs share: running `demi` commands and
 * timing them, recording them for the committed summaries, picking up a run a killed comparison left
 * behind, reading a training log, and the statistics of their tables.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** argv for `node` running the repository's demi command. */
export const demiCommand = (args) => ['bin/demi.mjs', ...args];

/**
 * Runs `node args...` and returns its wall seconds; a failure throws. `stdout: 'stderr'` sends the
 * command's own output to stderr, so the calling script's stdout is its table alone.
 */
export function runTimed(args, { stdout = 'inherit' } = {}) {
  const line = `node ${args.join(' ')}`;
  console.error(`\n$ ${line}`);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: stdout === 'stderr' ? ['inherit', 2, 2] : 'inherit' });
  if (result.status !== 0) throw new Error(`${line} failed with status ${result.status ?? result.signal}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * A command as the committed summary records it: the local data path (wherever this clone keeps the
 * corpus) written as DATA_PATH, so the summaries name no place outside the repository.
 */
export function recordedCommand(args, dataPath) {
  const line = `node ${args.join(' ')}`;
  return dataPath ? line.split(dataPath).join('DATA_PATH') : line;
}

/** The step a checkpoint was written at (its config.json's training.step), or null. */
function checkpointStep(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).training?.step ?? null;
  } catch {
    return null;
  }
}

/**
 * How to start the training run in `dir` again: `--resume` from its last checkpoint; `--force` when it
 * was killed before its first checkpoint (it has a log but cannot resume; --force moves it aside and
 * deletes nothing); nothing for a new run. `resumedFromStep` is the checkpoint's step, or null.
 */
export function restartFlags(dir) {
  const last = join(dir, 'last');
  if (existsSync(join(last, 'config.json'))) return { flags: ['--resume'], resumedFromStep: checkpointStep(last) };
  const partial = existsSync(dir) && readdirSync(dir).some((n) => ['log.jsonl', 'config.resolved.json', 'best'].includes(n));
  return { flags: partial ? ['--force'] : [], resumedFromStep: null };
}

/** The records of a training run's log.jsonl. */
export const readLog = (path) => readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

export function median(xs) {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

export const finite = (xs) => xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x));
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1): the spread a new seed would show. */
export const sampleStd = (xs) => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** A table cell over seeds: '-' with no value, the value alone for one seed, else mean +- sample std. */
export function seedCell(xs, digits, sign = false) {
  const kept = finite(xs);
  if (kept.length === 0) return '-';
  const f = (x) => `${sign && x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
  return kept.length === 1 ? f(kept[0]) : `${f(mean(kept))} +- ${sampleStd(kept).toFixed(digits)}`;
}

/**
 * The comparisons' rule for "larger than its spread": |mean| > SPREAD_FACTOR x the sample std of the
 * per-seed paired differences. A rough screen, not a significance test (with 3 seeds a two-sided 95%
 * paired t-test would need |mean| > 2.48 std).
 */
export const SPREAD_FACTOR = 2;

/** a - b for each seed where both runs exist and `pick` gives a number for both. */
export function pairedDifferences(seeds, runOfA, runOfB, pick) {
  return finite(seeds.map((s) => {
    const a = runOfA(s);
    const b = runOfB(s);
    if (!a || !b) return null;
    const x = pick(a);
    const y = pick(b);
    return x === null || y === null || x === undefined || y === undefined ? null : x - y;
  }));
}

/** Mean, sample std and whether the mean is larger than its spread; null below 2 differences. */
export function spreadVerdict(differences) {
  if (differences.length < 2) return null;
  const m = mean(differences);
  const s = sampleStd(differences);
  return { mean: m, std: s, larger: Math.abs(m) > SPREAD_FACTOR * s };
}
