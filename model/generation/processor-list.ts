/**
 * The processors a config asks for, in HF's order (`GenerationMixin._get_logits_processor`):
 * processors first — repetition penalty, no-repeat-ngram, min-new-tokens — then, only when
 * sampling, the warpers temperature -> top-k -> top-p. Rules at their neutral value (penalty 1,
 * n-gram 0, min 0, temperature 1, top-k 0, top-p 1) are left out, as HF leaves them out.
 */
import type { GenerationConfig } from './config.js';
import type { LogitsProcessor } from './logits-processor.js';
import { RepetitionPenaltyProcessor } from './repetition-penalty.js';
import { NoRepeatNgramProcessor } from './no-repeat-ngram.js';
import { MinNewTokensProcessor } from './min-new-tokens.js';
import { TemperatureWarper } from './temperature.js';
import { TopKWarper } from './top-k.js';
import { TopPWarper } from './top-p.js';

export function buildLogitsProcessors(config: GenerationConfig): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (config.repetitionPenalty !== 1) list.push(new RepetitionPenaltyProcessor(config.repetitionPenalty));
  if (config.noRepeatNgramSize > 0) list.push(new NoRepeatNgramProcessor(config.noRepeatNgramSize));
  if (config.minNewTokens > 0 && config.eosTokenId.length > 0) list.push(new MinNewTokensProcessor(config.minNewTokens, config.eosTokenId));
  if (config.doSample) {
    // HF: min_tokens_to_keep is 1 when sampling with one beam (2 for beam sampling, not supported here).
    if (config.temperature !== 1) list.push(new TemperatureWarper(config.temperature));
    if (config.topK > 0) list.push(new TopKWarper(config.topK, 1));
    if (config.topP < 1) list.push(new TopPWarper(config.topP, 1));
  }
  return list;
}
