/** A Hugging Face GPT-2 / DialoGPT checkpoint directory loads into our GPT with identical logits. */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, selectBackend } from '../../model/engine/index.js';
import { SeededRandom, writeSafetensors, type TensorToWrite } from '../../core/index.js';
import { GPT } from '../../model/transformer/index.js';
import { loadDialogueModel } from '../../model/dialogue/index.js';
import { TOKENIZER_FIXTURES } from '../data/fixtures.js';

beforeAll(() => selectBackend());

test.each(['F32', 'F16'] as const)('HF GPT2Model weights (%s, no transformer. prefix, with attn.bias buffers) import exactly', async (dtype) => {
  const dir = mkdtempSync(join(tmpdir(), 'demi-hf-'));
  const config = { vocabSize: 460, blockSize: 32, nLayer: 2, nHead: 2, dModel: 16, dropout: 0, layerNormEpsilon: 1e-5 };
  const original = new GPT(config, new SeededRandom(9));
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, { shape, data }] of original.weights()) tensors.set(name.replace(/^transformer\./, ''), { dtype, shape, data });
  for (let i = 0; i < 2; i++) tensors.set(`h.${i}.attn.bias`, { dtype: 'F32', shape: [1, 1, 32, 32], data: new Float32Array(32 * 32).fill(1) });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    model_type: 'gpt2', vocab_size: 460, n_positions: 32, n_embd: 16, n_layer: 2, n_head: 2, layer_norm_epsilon: 1e-5,
  }));
  copyFileSync(join(TOKENIZER_FIXTURES, 'byte-bpe', 'tokenizer.json'), join(dir, 'tokenizer.json'));
  const loaded = await loadDialogueModel(dir);
  expect(loaded.model.config).toMatchObject({ vocabSize: 460, blockSize: 32, nLayer: 2, dModel: 16 });
  expect(loaded.tokenizer.kind).toBe('hf-tokenizer-json');
  const ids = tf.tensor2d([[1, 5, 200, 7]], [1, 4], 'int32');
  const a = original.forward(ids).dataSync();
  const b = loaded.model.forward(ids).dataSync();
  let worst = 0;
  a.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - b[i])); });
  expect(worst).toBeLessThan(dtype === 'F32' ? 1e-6 : 5e-3);
  loaded.dispose();
  original.dispose();
});

test('a config that is neither ours nor GPT-2 is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demi-hf-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
  await writeSafetensors(join(dir, 'model.safetensors'), new Map([['x', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]]));
  await expect(loadDialogueModel(dir)).rejects.toThrow(/neither a demi dialogue checkpoint nor a Hugging Face GPT-2 config/);
});
