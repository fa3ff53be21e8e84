/**
 * `generate(model, prompt(s), config, options)`: the one entry point (docs/ARCHITECTURE.md §6). A
 * single prompt (number[]) gives one result, a batch (number[][]) gives one result per prompt, in
 * order. Batches run together (left-padded when lengths differ), so evaluating many contexts is
 * faster than one call per context, and each row decodes exactly what its prompt alone decodes.
 */
import type { GPT, GPTConfig } from '../transformer/index.js';
import { GenerationInputError } from '../errors.js';
import { parseGenerationConfig, type GenerationConfigInput } from './config.js';
import { buildLogitsProcessors } from './logits-process.js';
import { beamSearch, greedyOrSample, type RunContext } from './search.js';
import type { GenerateOptions, GenerationResult } from './result.js';

export function generate(model: GPT, prompt: readonly number[], config: GenerationConfigInput | undefined, options: GenerateOptions): Promise<GenerationResult>;
export function generate(model: GPT, prompts: readonly (readonly number[])[], config: GenerationConfigInput | undefined, options: GenerateOptions): Promise<GenerationResult[]>;
export async function generate(
  model: GPT, promptIds: readonly number[] | readonly (readonly number[])[], configInput: GenerationConfigInput | undefined, options: GenerateOptions,
): Promise<GenerationResult | GenerationResult[]> {
  const start = performance.now();
  const config = parseGenerationConfig(configInput ?? {});
  if (!options || typeof options.tokenizer?.decode !== 'function') {
    throw new GenerationInputError('generate needs options.tokenizer with a decode(ids) method to produce text');
  }
  for (const id of config.eosTokenId) {
    if (id >= model.config.vocabSize) throw new GenerationInputError(`eosTokenId ${id} is outside the model's vocabulary [0, ${model.config.vocabSize})`);
  }
  const single = promptIds.length === 0 || typeof promptIds[0] === 'number';
  const raw = (single ? [promptIds] : promptIds) as readonly (readonly number[])[];
  if (raw.length === 0) throw new GenerationInputError('generate was given an empty batch of prompts');
  const context: RunContext = {
    model, config, options, start,
    prompts: raw.map((p, i) => preparePrompt(p, model.config, config.maxNewTokens, i)),
    processors: buildLogitsProcessors(config),
  };
  const results = config.numBeams > 1 ? await beamSearch(context) : await greedyOrSample(context);
  return single ? results[0] : results;
}

// ---- prompt checks and truncation to the model's context

/**
 * Room for the prompt: `blockSize - maxNewTokens` tokens (at least 1), so that the requested
 * tokens fit the block. A longer prompt loses tokens from the FRONT (the most recent context is
 * kept, as ParlAI's --text-truncate and Ollama's chat truncation do).
 */
export function promptRoom(blockSize: number, maxNewTokens: number): number {
  return Math.max(1, blockSize - maxNewTokens);
}

/** Checks every id and returns the prompt truncated from the front to `promptRoom`. */
export function preparePrompt(ids: readonly number[], model: Pick<GPTConfig, 'vocabSize' | 'blockSize'>, maxNewTokens: number, index = 0): number[] {
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new GenerationInputError(`prompt ${index} is empty: generation needs at least one token (e.g. the tokenizer's BOS or separator id)`);
  }
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= model.vocabSize) {
      throw new GenerationInputError(`prompt ${index} has token id ${id}, outside the model's vocabulary [0, ${model.vocabSize}): was it encoded with this model's tokenizer?`);
    }
  }
  const room = promptRoom(model.blockSize, maxNewTokens);
  return ids.length > room ? ids.slice(ids.length - room) : [...ids];
}
