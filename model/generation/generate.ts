/**
 * `generate(model, prompt(s), config, options)`: the one entry point (DESIGN §6). A single prompt
 * (number[]) gives one result, a batch (number[][]) gives one result per prompt, in order. Batches
 * run together (left-padded when lengths differ), so evaluating many contexts is faster than one
 * call per context, and each row decodes exactly what its prompt alone decodes.
 */
import type { GPT } from '../transformer/index.js';
import { parseGenerationConfig, type GenerationConfigInput } from './config.js';
import { buildLogitsProcessors } from './processor-list.js';
import { preparePrompt } from './prompt.js';
import { greedyOrSample } from './greedy-sample.js';
import { beamSearch } from './beam-search.js';
import { GenerationInputError } from '../errors.js';
import type { RunContext } from './run-context.js';
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
