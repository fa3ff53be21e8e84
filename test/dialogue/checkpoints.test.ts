/**
 * Dialogue checkpoints on disk: a failed checkpoint write keeps the old one, and the loader refuses
 * weights that do not fit their config.json (shape, finiteness, a promised critic) by tensor and
 * file, where it used to load them silently. Rerank with a broken critic is a RerankError.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, variableArrays } from '../../model/engine/index.js';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, readCheckpoint, writeCheckpoint, type NamedArrays } from '../../model/training/index.js';
import {
  CHECKPOINT_FORMAT, growPositionTable, loadDialogueModel, newIdentityBlocks, newDialogueModel, reply, tokenizerFileEntry, RerankError, type DialogueModelConfig,
} from '../../model/dialogue/index.js';
import { writeToyCorpus } from '../helpers/toy-dialogues.js';
import { toyTokenizer } from '../helpers/toy-tokenizer.js';
import { SeededRandom } from '../../core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'demi-ckpt-'));
let config: DialogueModelConfig;
let weights: NamedArrays;
let tokenizerFile: [string, Uint8Array];

beforeAll(async () => {
  await selectBackend();
  const corpus = writeToyCorpus(dir);
  const tokenizer = await toyTokenizer(dir, corpus.text);
  const objective = { lambda: 0.5, levels: 2, tau: 0.1, split: 'response' as const, projectionDim: 8 };
  const model = { vocabSize: tokenizer.vocabSize, blockSize: 32, nLayer: 1, nHead: 2, dModel: 32, dropout: 0, layerNormEpsilon: 1e-5 };
  const built = newDialogueModel(model, objective, 1);
  weights = new Map([...built.model.weights(), ...variableArrays(built.heads!.variables)]);
  built.model.dispose();
  built.heads!.dispose();
  tokenizerFile = tokenizerFileEntry(tokenizer);
  config = { format: CHECKPOINT_FORMAT, version: 1, model, objective, tokenizer: { file: tokenizerFile[0] }, maxResponseTokens: 8 };
});

/** A checkpoint directory with `edit` applied to (a copy of) the good weights. */
function checkpointWith(name: string, edit: (w: NamedArrays) => void = () => {}): string {
  const copy: NamedArrays = new Map([...weights].map(([k, v]) => [k, { shape: [...v.shape], data: v.data.slice() }]));
  edit(copy);
  const out = join(dir, name);
  writeCheckpoint(out, { config: config as unknown as Record<string, unknown>, weights: copy, extraFiles: { [tokenizerFile[0]]: tokenizerFile[1] } });
  return out;
}

test('a checkpoint write that fails part-way keeps the old checkpoint intact, with no temporaries', () => {
  const out = checkpointWith('last');
  const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f))] as const);
  // extraFiles come after config.json and model.safetensors: the write dies with both already written.
  // The folder of the extra file is config.json, a file: it cannot be made.
  expect(() => writeCheckpoint(out, { config: { step: 2 }, weights: new Map(), extraFiles: { 'config.json/tokenizer.model': 'x' } })).toThrow(/EEXIST|ENOTDIR/);
  for (const [file, bytes] of before) expect(readFileSync(join(out, file)).equals(bytes)).toBe(true);
  expect(readdirSync(out).sort()).toEqual(before.map(([f]) => f).sort());
  expect(readdirSync(dir).filter((n) => n.startsWith('.last.'))).toEqual([]);
  expect(readCheckpoint(out).config).toMatchObject({ format: CHECKPOINT_FORMAT });
});

test('defect 6: a transposed c_attn.weight (same element count) is refused, naming the tensor, both shapes and the file', async () => {
  const out = checkpointWith('transposed', (w) => {
    const t = w.get('transformer.h.0.attn.c_attn.weight')!;
    t.shape = [t.shape[1], t.shape[0]];
  });
  const err = await loadDialogueModel(out).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as Error).message).toMatch(/transposed\/model\.safetensors: tensor 'transformer\.h\.0\.attn\.c_attn\.weight' has shape \[96, 32\] but config\.json implies \[32, 96\]/);
});

test.each([
  ['transformer.h.0.mlp.c_fc.weight', NaN],
  ['demi.g_proj.weight', Infinity],
])('defect 6: %s holding %s is refused by name', async (name, value) => {
  const out = checkpointWith(`nonfinite-${value}`, (w) => { w.get(name)!.data[5] = value; });
  await expect(loadDialogueModel(out)).rejects.toThrow(new RegExp(`model\\.safetensors: tensor '${name.replace(/\./g, '\\.')}' holds ${value} at index 5`));
});

test('defect 6: a critic that config.json promises (lambda > 0) but the file lacks is a CheckpointError with a hint', async () => {
  const out = checkpointWith('no-critic', (w) => {
    w.delete('demi.f_proj.weight');
    w.delete('demi.g_proj.weight');
  });
  const err = await loadDialogueModel(out).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as CheckpointError).message).toMatch(/no-critic\/model\.safetensors has no DEMI critic .* \(objective\.lambda 0\.5\)/);
  expect((err as CheckpointError).hint).toMatch(/set objective\.lambda to 0/);
});

test('defect 6: rerank with a critic that scores NaN is a RerankError, not a TypeError', async () => {
  const loaded = await loadDialogueModel(checkpointWith('good'));
  try {
    // Broken after loading (the loader refuses NaN files): the scores come out NaN.
    const f = loaded.heads!.variables['demi.f_proj.weight'];
    f.assign(f.mul(NaN));
    await expect(reply(loaded, [['hi there']], { maxNewTokens: 3, seed: 1 }, { rerank: 4 })).rejects.toThrow(RerankError);
    await expect(reply(loaded, [['hi there']], { maxNewTokens: 3, seed: 1 }, { rerank: 4 })).rejects.toThrow(/DEMI critic scored the candidates NaN/);
  } finally {
    loaded.dispose();
  }
});

test('the good checkpoint loads with its critic', async () => {
  const loaded = await loadDialogueModel(checkpointWith('good2'));
  expect(loaded.heads).not.toBeNull();
  loaded.dispose();
});

test('per-level critic heads are saved, required and loaded; the whole response keeps the shared name', async () => {
  const objective = { ...config.objective, levels: 3, perLevelHeads: true };
  const built = newDialogueModel(config.model, objective, 2);
  expect(Object.keys(built.heads!.variables).sort()).toEqual(['demi.f_proj.weight', 'demi.g_proj.level1.weight', 'demi.g_proj.level2.weight', 'demi.g_proj.weight']);
  const perLevel = new Map([...built.model.weights(), ...variableArrays(built.heads!.variables)]);
  built.model.dispose();
  built.heads!.dispose();
  const write = (name: string, w: NamedArrays) => {
    const out = join(dir, name);
    writeCheckpoint(out, { config: { ...config, objective } as unknown as Record<string, unknown>, weights: w, extraFiles: { [tokenizerFile[0]]: tokenizerFile[1] } });
    return out;
  };
  const loaded = await loadDialogueModel(write('per-level', perLevel));
  expect(loaded.heads!.gLevels).toBe(3);
  expect(Array.from(loaded.heads!.variables['demi.g_proj.level2.weight'].dataSync())).toEqual(Array.from(perLevel.get('demi.g_proj.level2.weight')!.data));
  loaded.dispose();
  const missing = new Map(perLevel);
  missing.delete('demi.g_proj.level1.weight');
  await expect(loadDialogueModel(write('per-level-missing', missing))).rejects.toThrow(/demi\.g_proj\.level1\.weight/);
});

test('a grown position table keeps, tiles or interpolates the trained rows, or draws new ones', () => {
  // 3 trained rows of width 2: row p = [p, 10 p]
  const trained = Float32Array.from([0, 0, 1, 10, 2, 20]);
  const rows = (t: Float32Array) => Array.from({ length: t.length / 2 }, (_, p) => [t[2 * p], t[2 * p + 1]]);
  expect(rows(growPositionTable(trained, 3, 5, 2, 'tile'))).toEqual([[0, 0], [1, 10], [2, 20], [0, 0], [1, 10]]);
  // 5 rows over 3: read at 0, 0.5, 1, 1.5, 2 (ends kept, the rest between their neighbours)
  expect(rows(growPositionTable(trained, 3, 5, 2, 'interpolate'))).toEqual([[0, 0], [0.5, 5], [1, 10], [1.5, 15], [2, 20]]);
  const drawn = growPositionTable(trained, 3, 5, 2, 'normal', new SeededRandom(1));
  expect(Array.from(drawn.subarray(0, 6))).toEqual(Array.from(trained));
  const fresh = Array.from(drawn.subarray(6));
  expect(fresh.every((x) => Math.abs(x) < 0.1 && x !== 0)).toBe(true);
  expect(() => growPositionTable(trained, 3, 5, 2, 'normal')).toThrow(CheckpointError);
});

test('blocks grown on top of a trained network start as the identity: the same logits, zero residual projections, drawn inner weights', async () => {
  const ckpt = checkpointWith('deeper');
  const original = await loadDialogueModel(ckpt);
  const grown = await loadDialogueModel(ckpt, { nLayer: 3, newLayers: 'identity', random: new SeededRandom(5) });
  expect(grown.config.model.nLayer).toBe(3);
  expect(Object.keys(grown.model.variables).filter((n) => n.startsWith('transformer.h.2.'))).toHaveLength(12);
  const ids = tf.tensor2d([[3, 7, 1, 4, 9, 2], [5, 5, 8, 1, 0, 6]], undefined, 'int32');
  const before = original.model.forward(ids);
  const after = grown.model.forward(ids);
  expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeLessThan(1e-5);
  // the trained block and the critic are the checkpoint's
  expect(Array.from(grown.model.variables['transformer.h.0.mlp.c_fc.weight'].dataSync())).toEqual(Array.from(weights.get('transformer.h.0.mlp.c_fc.weight')!.data));
  expect(grown.heads).not.toBeNull();
  tf.dispose([ids, before, after]);
  original.dispose();
  grown.dispose();

  const blocks = newIdentityBlocks(1, 3, 4, new SeededRandom(1));
  expect([...blocks.keys()].every((n) => /^transformer\.h\.[12]\./.test(n))).toBe(true);
  const values = (n: string) => Array.from(blocks.get(n)!);
  for (const i of [1, 2]) {
    for (const n of ['attn.c_proj.weight', 'attn.c_proj.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias', 'ln_1.bias', 'mlp.c_fc.bias']) {
      expect(values(`transformer.h.${i}.${n}`).every((x) => x === 0)).toBe(true);
    }
    expect(values(`transformer.h.${i}.ln_2.weight`)).toEqual([1, 1, 1, 1]);
    const drawn = values(`transformer.h.${i}.attn.c_attn.weight`);
    expect(drawn).toHaveLength(4 * 12);
    expect(drawn.every((x) => x !== 0 && Math.abs(x) < 0.1)).toBe(true);
    expect(values(`transformer.h.${i}.mlp.c_fc.weight`)).toHaveLength(4 * 16);
  }
  await expect(loadDialogueModel(ckpt, { nLayer: 3, newLayers: 'identity' })).rejects.toThrow(CheckpointError);
});
