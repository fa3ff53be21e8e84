/** What the decoding loops (greedy/sampling, beam search) share for one `generate` call. */
import type { GPT } from '../transformer/index.js';
import type { GenerationConfig } from './config.js';
import type { LogitsProcessor } from './logits-processor.js';
import type { GenerateOptions } from './result.js';

export interface RunContext {
  model: GPT;
  config: GenerationConfig;
  /** Truncated, checked prompts. */
  prompts: number[][];
  processors: LogitsProcessor[];
  options: GenerateOptions;
  /** performance.now() at the call. */
  start: number;
}

export function elapsed(context: RunContext): number {
  return performance.now() - context.start;
}

/** Gives the event loop a turn (cancel messages, socket heartbeats) unless the caller opted out. */
export async function yieldToEventLoop(context: RunContext): Promise<void> {
  if (context.options.yieldBetweenTokens === false) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
}
