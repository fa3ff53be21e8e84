/**
 * `demi export --model DIR --out DIR [--dtype f16|f32] [--clamp]`: a serving copy of a checkpoint:
 * config, tokenizer and weights (float16 halves the size; the loader widens them back to float32),
 * without the optimizer state.
 *
 * It writes only into a new or empty --out, or over an earlier export (config.json's `exportedFrom`
 * lists the files it wrote): those files are replaced, other files there are carried over, and the
 * swap is atomic (core/atomic-dir.ts). Anything else at --out (a run, a checkpoint) is refused.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clampToFloat16Range, float16Overflow, FLOAT16_MAX, OutputDirectoryError, recoverDirectory } from '../core/index.js';
import { readCheckpoint, writeCheckpoint, CONFIG_FILE, WEIGHTS_FILE, type NamedArrays } from '../model/training/index.js';
import { parseArgs } from './args.js';
import { CliError } from './errors.js';

const TRAIN_STATE = /^train_state\./;
const USAGE = `usage: demi export --model DIR --out DIR [--dtype f16|f32] [--clamp]
  --out DIR    a new or empty directory, or an earlier export (replaced; files you added there are kept)
  --dtype      f16 (default) or f32
  --clamp      f16: clamp weights beyond float16's range (+-${FLOAT16_MAX}) instead of refusing them`;

/** The files an earlier export at `dir` wrote, or undefined when `dir` is not an export. */
function earlierExport(dir: string): string[] | undefined {
  try {
    const config = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8')) as { exportedFrom?: { files?: unknown } };
    if (typeof config.exportedFrom !== 'object' || config.exportedFrom === null) return undefined;
    const files = config.exportedFrom.files;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [CONFIG_FILE, WEIGHTS_FILE];
  } catch {
    return undefined;
  }
}

/** Files at `out` to carry into the new export: those neither export wrote. Refuses anything that is not an earlier export. */
function filesToKeep(out: string, writing: readonly string[]): Record<string, Uint8Array> {
  recoverDirectory(out);
  if (!existsSync(out)) return {};
  if (!statSync(out).isDirectory()) throw new OutputDirectoryError(`--out ${out} is a file`, { hint: 'name a directory' });
  const entries = readdirSync(out);
  if (entries.length === 0) return {};
  const earlier = earlierExport(out);
  if (!earlier) {
    throw new OutputDirectoryError(`--out ${out} is not empty and is not an earlier export (it holds ${entries.slice(0, 6).join(', ')}${entries.length > 6 ? ', ...' : ''})`, {
      hint: 'export into a new or empty directory (e.g. --out runs/x/export); demi export only replaces its own exports',
    });
  }
  const kept: Record<string, Uint8Array> = {};
  for (const name of entries) {
    if (writing.includes(name) || earlier.includes(name)) continue;
    if (!statSync(join(out, name)).isFile()) {
      throw new OutputDirectoryError(`--out ${out} is an earlier export but also holds ${name}/, which demi export did not write`, {
        hint: 'move it elsewhere, or export into another directory',
      });
    }
    kept[name] = readFileSync(join(out, name));
  }
  return kept;
}

/** The weights as float16 can hold them: out-of-range values refused (naming the tensor) or, with --clamp, clamped. */
function fitFloat16(weights: NamedArrays, file: string, clamp: boolean): NamedArrays {
  const out: NamedArrays = new Map();
  for (const [name, { shape, data }] of weights) {
    const overflow = float16Overflow(data);
    if (overflow && !clamp) {
      throw new CliError(`${file}: tensor '${name}' holds ${overflow.value} at index ${overflow.index}, beyond float16's range (+-${FLOAT16_MAX}): it would become Infinity`, {
        hint: 'export with --dtype f32, or pass --clamp to clamp such values to +-65504',
      });
    }
    out.set(name, { shape, data: overflow ? clampToFloat16Range(data) : data });
  }
  return out;
}

export async function exportCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['model', 'out', 'dtype'], switches: ['help', 'clamp'], command: 'export' });
  if (args.switches.has('help') || !args.values.model || !args.values.out) {
    console.log(USAGE);
    if (!args.switches.has('help')) throw new CliError('--model and --out are required');
    return;
  }
  const { model, out } = args.values;
  const dtype = (args.values.dtype ?? 'f16').toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new CliError(`--dtype must be f16 or f32, got ${args.values.dtype}`);
  const checkpoint = readCheckpoint(model);
  const extraFiles: Record<string, Uint8Array> = {};
  for (const name of readdirSync(model)) {
    if (name === CONFIG_FILE || name === WEIGHTS_FILE || TRAIN_STATE.test(name) || name.startsWith('.')) continue;
    if (statSync(join(model, name)).isFile()) extraFiles[name] = readFileSync(join(model, name));
  }
  const weights = dtype === 'F16' ? fitFloat16(checkpoint.weights, join(model, WEIGHTS_FILE), args.switches.has('clamp')) : checkpoint.weights;
  const files = [CONFIG_FILE, WEIGHTS_FILE, ...Object.keys(extraFiles)];
  const kept = filesToKeep(out, files);
  const { training, ...config } = checkpoint.config as Record<string, unknown>;
  writeCheckpoint(out, {
    config: { ...config, exportedFrom: { training, weightDtype: dtype, files } },
    weights, weightDtype: dtype, extraFiles: { ...kept, ...extraFiles },
  });
  console.log(JSON.stringify({ out, dtype, tensors: checkpoint.weights.size, kept: Object.keys(kept) }));
}
