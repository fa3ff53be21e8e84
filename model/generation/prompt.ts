/** Prompt checks and truncation to the model's context. */
import type { GPTConfig } from '../transformer/index.js';
import { GenerationInputError } from '../errors.js';

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
