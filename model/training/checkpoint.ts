/**
 * Checkpoint directories (docs/ARCHITECTURE.md §5): `config.json`, `model.safetensors`, extra files (the
 * tokenizer), and for resuming `train_state.safetensors` + `train_state.json` (optimizer moments,
 * step, random state, data position). Written atomically (see atomic-dir.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, readWholeFile, serializeSafetensors, type TensorToWrite, writeDirectoryAtomically, type DirectoryFiles } from '../../core/index.js';
import { CheckpointError } from '../errors.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TRAIN_STATE_FILE = 'train_state.json';
export const TRAIN_TENSORS_FILE = 'train_state.safetensors';

export type NamedArrays = Map<string, { shape: number[]; data: Float32Array }>;

export interface CheckpointToWrite {
  config: Record<string, unknown>;
  weights: NamedArrays;
  /** F16 halves the size of shipped checkpoints; training checkpoints stay F32 for exact resume. */
  weightDtype?: 'F32' | 'F16';
  extraFiles?: DirectoryFiles;
  trainState?: { json: Record<string, unknown>; tensors: NamedArrays };
}

export interface Checkpoint {
  dir: string;
  config: Record<string, unknown>;
  weights: NamedArrays;
  trainState?: { json: Record<string, unknown>; tensors: NamedArrays };
}

function toWrite(arrays: NamedArrays, dtype: 'F32' | 'F16'): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, { shape, data }] of arrays) out.set(name, { dtype, shape, data });
  return out;
}

export function writeCheckpoint(dir: string, checkpoint: CheckpointToWrite): void {
  const files: DirectoryFiles = {
    [CONFIG_FILE]: `${JSON.stringify(checkpoint.config, null, 2)}\n`,
    [WEIGHTS_FILE]: serializeSafetensors(toWrite(checkpoint.weights, checkpoint.weightDtype ?? 'F32'), { format: 'pt' }),
    ...checkpoint.extraFiles,
  };
  if (checkpoint.trainState) {
    files[TRAIN_STATE_FILE] = `${JSON.stringify(checkpoint.trainState.json)}\n`;
    files[TRAIN_TENSORS_FILE] = serializeSafetensors(toWrite(checkpoint.trainState.tensors, 'F32'));
  }
  writeDirectoryAtomically(dir, files);
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CheckpointError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new CheckpointError(`${path} is not valid JSON (${(err as Error).message}); the checkpoint is corrupt`);
  }
}

function readArrays(path: string): NamedArrays {
  let bytes: Uint8Array;
  try {
    bytes = readWholeFile(path); // the optimizer state of a large model passes readFileSync's 2 GiB
  } catch (err) {
    throw new CheckpointError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const out: NamedArrays = new Map();
  try {
    for (const [name, t] of parseSafetensors(bytes, path).tensors) {
      if (!(t.data instanceof Float32Array)) throw new CheckpointError(`${path}: tensor '${name}' is ${t.dtype}, expected floats`);
      out.set(name, { shape: t.shape, data: t.data });
    }
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`${path} is corrupt: ${(err as Error).message}`);
  }
  return out;
}

/**
 * What a loader checks before it builds a model from arrays: every expected tensor is there, with
 * the shape the config implies (a transposed [96, 32] for [32, 96] has the right element count
 * but is not the same weight), and every value is finite (NaN weights would load and reply with
 * nothing). Errors name the tensor and the file.
 */
export function checkArrays(file: string, arrays: NamedArrays, expected: ReadonlyMap<string, readonly number[]>): void {
  for (const [name, shape] of expected) {
    const found = arrays.get(name);
    if (!found) {
      throw new CheckpointError(`${file}: tensor '${name}' is missing`, {
        hint: 'the file was written for another model configuration, or is incomplete; use the checkpoint it came with',
      });
    }
    if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${file}: tensor '${name}' has shape [${found.shape.join(', ')}] but config.json implies [${shape.join(', ')}]`, {
        hint: 'the weights do not belong to this config.json (transposed or from another model); use the matching pair of files',
      });
    }
    const bad = found.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new CheckpointError(`${file}: tensor '${name}' holds ${found.data[bad]} at index ${bad}`, {
        hint: 'the weights are corrupt or come from a diverged run; use an earlier checkpoint',
      });
    }
  }
}

export function isCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CONFIG_FILE)) && existsSync(join(dir, WEIGHTS_FILE));
}

export function readCheckpoint(dir: string, options: { trainState?: boolean } = {}): Checkpoint {
  if (!existsSync(dir)) throw new CheckpointError(`no checkpoint at ${dir}`);
  if (!isCheckpoint(dir)) throw new CheckpointError(`${dir} is not a checkpoint: it needs ${CONFIG_FILE} and ${WEIGHTS_FILE}`);
  const checkpoint: Checkpoint = { dir, config: readJson(join(dir, CONFIG_FILE)), weights: readArrays(join(dir, WEIGHTS_FILE)) };
  if (options.trainState) {
    const statePath = join(dir, TRAIN_STATE_FILE);
    if (!existsSync(statePath)) throw new CheckpointError(`${dir} has no ${TRAIN_STATE_FILE}: it cannot be resumed (was it exported for serving?)`);
    checkpoint.trainState = { json: readJson(statePath), tensors: readArrays(join(dir, TRAIN_TENSORS_FILE)) };
  }
  return checkpoint;
}
