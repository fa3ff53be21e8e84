/**
 * `demi export --model DIR --out DIR [--dtype f16|f32]`: a serving copy of a checkpoint: config,
 * tokenizer and weights (float16 halves the size; the loader widens them back to float32), without
 * the optimizer state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, CONFIG_FILE, WEIGHTS_FILE } from '../model/training/index.js';
import { parseArgs } from './args.js';
import { CliError } from './errors.js';

const TRAIN_STATE = /^train_state\./;

export async function exportCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['model', 'out', 'dtype'], switches: ['help'] });
  if (args.switches.has('help') || !args.values.model || !args.values.out) {
    console.log('usage: demi export --model DIR --out DIR [--dtype f16|f32]');
    if (!args.switches.has('help')) throw new CliError('--model and --out are required');
    return;
  }
  const dtype = (args.values.dtype ?? 'f16').toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new CliError(`--dtype must be f16 or f32, got ${args.values.dtype}`);
  const checkpoint = readCheckpoint(args.values.model);
  const extraFiles: Record<string, Uint8Array> = {};
  for (const name of readdirSync(args.values.model)) {
    if (name === CONFIG_FILE || name === WEIGHTS_FILE || TRAIN_STATE.test(name)) continue;
    extraFiles[name] = readFileSync(join(args.values.model, name));
  }
  const { training, ...config } = checkpoint.config as Record<string, unknown>;
  writeCheckpoint(args.values.out, {
    config: { ...config, exportedFrom: { training, weightDtype: dtype } },
    weights: checkpoint.weights, weightDtype: dtype, extraFiles,
  });
  console.log(JSON.stringify({ out: args.values.out, dtype, tensors: checkpoint.weights.size }));
}
