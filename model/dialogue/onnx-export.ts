/**
 * A dialogue checkpoint (ours or an imported Hugging Face GPT-2 directory) as a Hugging Face-style ONNX
 * directory that transformers.js loads from a local path with remote models off (docs/ARCHITECTURE.md §5):
 *
 *   config.json             GPT-2's config (model_type gpt2, n_layer, n_head, n_embd, ...)
 *   generation_config.json  greedy, the dialogue's stop ids (EOS and the turn separator), the reply budget
 *   tokenizer.json          the SentencePiece model converted (data/tokenizer/sentencepiece-to-json.ts),
 *   tokenizer_config.json   or the checkpoint's own tokenizer.json and config copied
 *   onnx/model.onnx         the GPT with its KV cache (model/transformer/onnx.ts); onnx/model_fp16.onnx
 *                           with float16 weights, which config.json names as transformers.js's default dtype
 *
 * Nothing here touches TF.js: the weights go from the checkpoint's arrays straight into the graph.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sentencePieceToTokenizerJson, SentencePieceTokenizer } from '../../data/tokenizer/index.js';
import { gptToOnnx, ONNX_OPSET, type OnnxWeightDtype } from '../transformer/index.js';
import type { DialogueCheckpointContents } from './checkpoint.js';

export interface OnnxExportOptions {
  weightDtype?: OnnxWeightDtype;
  /** Recorded in config.json as `exportedFrom`, with the list of files written (how `demi export` recognises its exports). */
  exportedFrom?: Record<string, unknown>;
}

/** Where the graph goes in the export, by weight dtype (transformers.js's file names for its dtypes). */
export const ONNX_MODEL_FILES: Record<OnnxWeightDtype, string> = { float32: 'onnx/model.onnx', float16: 'onnx/model_fp16.onnx' };

/** The files of the export, by their path inside the export directory. */
export function onnxExportFiles(checkpoint: DialogueCheckpointContents, options: OnnxExportOptions = {}): Record<string, string | Uint8Array> {
  const weightDtype = options.weightDtype ?? 'float32';
  const { config, tokenizer, format } = checkpoint;
  const gpt = config.model;
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files: Record<string, string | Uint8Array> = {};

  if (tokenizer instanceof SentencePieceTokenizer) {
    const converted = sentencePieceToTokenizerJson(tokenizer, { modelMaxLength: gpt.blockSize });
    files['tokenizer.json'] = json(converted.tokenizer);
    files['tokenizer_config.json'] = json(converted.config);
  } else {
    // Already a tokenizer.json (an HF GPT-2 import, or a demi model trained on one): transformers.js reads it as it is.
    files['tokenizer.json'] = readFileSync(tokenizer.file);
    const tokenizerConfig = join(dirname(tokenizer.file), 'tokenizer_config.json');
    if (existsSync(tokenizerConfig)) files['tokenizer_config.json'] = readFileSync(tokenizerConfig);
  }

  const stopIds = [...new Set([format.eosId, format.sepId])];
  files['generation_config.json'] = json({
    bos_token_id: tokenizer.bosId ?? format.eosId,
    eos_token_id: stopIds.length === 1 ? stopIds[0] : stopIds,
    pad_token_id: format.padId,
    do_sample: false,
    max_new_tokens: config.maxResponseTokens,
  });
  files[ONNX_MODEL_FILES[weightDtype]] = gptToOnnx(gpt, checkpoint.weights, { weightDtype, producerName: `demi (ONNX opset ${ONNX_OPSET})` });
  // Last, so that exportedFrom can list every file.
  files['config.json'] = json({
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: gpt.vocabSize,
    n_positions: gpt.blockSize,
    n_ctx: gpt.blockSize,
    n_embd: gpt.dModel,
    n_layer: gpt.nLayer,
    n_head: gpt.nHead,
    n_inner: null,
    // GPT-2's tanh approximation, which model/engine's gelu computes.
    activation_function: 'gelu_new',
    layer_norm_epsilon: gpt.layerNormEpsilon,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    use_cache: true,
    bos_token_id: tokenizer.bosId ?? format.eosId,
    eos_token_id: format.eosId,
    pad_token_id: format.padId,
    'transformers.js_config': { dtype: weightDtype === 'float16' ? 'fp16' : 'fp32' },
    ...(config.license ? { license: config.license } : {}),
    ...(options.exportedFrom ? { exportedFrom: { ...options.exportedFrom, files: [...Object.keys(files), 'config.json'] } } : {}),
  });
  return files;
}
