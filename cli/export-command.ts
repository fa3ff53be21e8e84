/**
 * `demi export --model DIR --out DIR [--format safetensors|onnx] [--dtype f16|f32] [--clamp]`.
 *
 * safetensors (default): a serving copy of a checkpoint: config, tokenizer and weights (float16 halves
 * the size; the loader widens them back to float32), without the optimizer state.
 * onnx: a Hugging Face-style directory that transformers.js and onnxruntime run without demi
 * (model/dialogue/onnx-export.ts: config.json, generation_config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model.onnx or, with --dtype f16, onnx/model_fp16.onnx).
 *
 * It writes only into a new or empty --out, or over an earlier export (config.json's `exportedFrom`
 * lists the files it wrote): those files are replaced, other files there are carried over, and the
 * swap is atomic (core/atomic-dir.ts). Anything else at --out (a run, a checkpoint) is refused.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clampToFloat16Range, float16Overflow, FLOAT16_MAX, OutputDirectoryError, recoverDirectory, writeDirectoryAtomically } from '../core/index.js';
import { readCheckpoint, writeCheckpoint, CONFIG_FILE, WEIGHTS_FILE } from '../model/training/index.js';
import { onnxExportFiles, readDialogueCheckpoint } from '../model/dialogue/index.js';
import { parseArgs } from './args.js';
import { CliError } from './errors.js';

const TRAIN_STATE = /^train_state\./;
const USAGE = `usage: demi export --model DIR --out DIR [--format safetensors|onnx] [--dtype f16|f32] [--clamp]
  --model DIR  a demi dialogue checkpoint or a Hugging Face GPT-2 directory (onnx), any demi checkpoint (safetensors)
  --out DIR    a new or empty directory, or an earlier export (replaced; files you added there are kept)
  --format     safetensors (default): a serving copy of the checkpoint;
               onnx: config.json, generation_config.json, tokenizer.json, tokenizer_config.json and
               onnx/model.onnx (onnx/model_fp16.onnx with --dtype f16), for transformers.js / onnxruntime
  --dtype      weights as f16 or f32; default f16 for safetensors, f32 for onnx
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
function filesToKeep(out: string, writingPaths: readonly string[]): Record<string, Uint8Array> {
  // An export's paths may hold a folder (onnx/model.onnx): the whole top-level entry is the export's.
  const topLevel = (paths: readonly string[]) => paths.map((p) => p.split('/')[0]);
  const writing = topLevel(writingPaths);
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
    if (writing.includes(name) || topLevel(earlier).includes(name)) continue;
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
function fitFloat16<T extends { data: Float32Array }>(weights: ReadonlyMap<string, T>, file: string, clamp: boolean): Map<string, T> {
  const out = new Map<string, T>();
  for (const [name, entry] of weights) {
    const { data } = entry;
    const overflow = float16Overflow(data);
    if (overflow && !clamp) {
      throw new CliError(`${file}: tensor '${name}' holds ${overflow.value} at index ${overflow.index}, beyond float16's range (+-${FLOAT16_MAX}): it would become Infinity`, {
        hint: 'export with --dtype f32, or pass --clamp to clamp such values to +-65504',
      });
    }
    out.set(name, { ...entry, data: overflow ? clampToFloat16Range(data) : data });
  }
  return out;
}

export async function exportCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['model', 'out', 'dtype', 'format'], switches: ['help', 'clamp'], command: 'export' });
  if (args.switches.has('help') || !args.values.model || !args.values.out) {
    console.log(USAGE);
    if (!args.switches.has('help')) throw new CliError('--model and --out are required');
    return;
  }
  const { model, out } = args.values;
  const format = args.values.format ?? 'safetensors';
  if (format !== 'safetensors' && format !== 'onnx') throw new CliError(`--format must be safetensors or onnx, got ${format}`);
  const dtype = (args.values.dtype ?? (format === 'onnx' ? 'f32' : 'f16')).toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new CliError(`--dtype must be f16 or f32, got ${args.values.dtype}`);
  if (format === 'onnx') {
    await exportOnnx(model, out, dtype, args.switches.has('clamp'));
    return;
  }
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

/** `--format onnx`: the checkpoint as transformers.js's directory layout (model/dialogue/onnx-export.ts). */
async function exportOnnx(model: string, out: string, dtype: 'F16' | 'F32', clamp: boolean): Promise<void> {
  const checkpoint = await readDialogueCheckpoint(model);
  let weights = checkpoint.weights;
  if (dtype === 'F16') {
    const fitted = fitFloat16(new Map([...weights].map(([name, data]) => [name, { data }])), join(model, WEIGHTS_FILE), clamp);
    weights = new Map([...fitted].map(([name, { data }]) => [name, data]));
  }
  const files = onnxExportFiles({ ...checkpoint, weights }, {
    weightDtype: dtype === 'F16' ? 'float16' : 'float32',
    exportedFrom: { format: 'onnx', weightDtype: dtype },
  });
  const kept = filesToKeep(out, Object.keys(files));
  writeDirectoryAtomically(out, { ...kept, ...files });
  console.log(JSON.stringify({ out, format: 'onnx', dtype, files: Object.keys(files), kept: Object.keys(kept) }));
}
