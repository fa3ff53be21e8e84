/**
 * Decoding configuration with Hugging Face `GenerationConfig` semantics (docs/ARCHITECTURE.md §6;
 * transformers' GenerationConfig docs and generation/configuration_utils.py), validated with zod.
 * Names are camelCase versions of HF's.
 *
 * Mode selection as in HF: greedy when `numBeams = 1, doSample = false`; multinomial sampling when
 * `doSample = true`; beam search when `numBeams > 1` (beam *sampling*, `numBeams > 1` with
 * `doSample`, is not implemented and is rejected).
 *
 * HF defaults kept on purpose (they surprise people; documented here):
 * - `topK` defaults to 50, as HF's `top_k`: sampling with only `topP` set still cuts to the 50 best
 *   tokens first. Set `topK: 0` to disable it.
 * - `temperature`, `topK`, `topP` only act when `doSample` is true (HF ignores them, with a warning,
 *   in greedy and beam search).
 * - `repetitionPenalty` counts the prompt as well as the generated tokens.
 */
import { z } from 'zod';
import { describeIssues } from '../../core/index.js';
import { GenerationConfigError } from '../errors.js';

const tokenId = z.number().int().min(0);

export const GenerationConfigSchema = z.object({
  /** Tokens to generate at most (not counting the prompt). HF's `max_length` default is 20 tokens in total; we default to 20 new ones. */
  maxNewTokens: z.number().int().min(1).default(20),
  /** EOS is suppressed (logit -inf) until this many tokens are generated. */
  minNewTokens: z.number().int().min(0).default(0),
  doSample: z.boolean().default(false),
  temperature: z.number().refine((t) => t > 0 && Number.isFinite(t), {
    message: 'temperature has to be a strictly positive finite number (as in HF); for greedy decoding set doSample: false',
  }).default(1),
  /** 0 disables top-k. */
  topK: z.number().int().min(0).default(50),
  /** 1 disables top-p. */
  topP: z.number().min(0).max(1).default(1),
  /** 1 disables it; HF requires a strictly positive float. */
  repetitionPenalty: z.number().positive().finite().default(1),
  /** 0 disables it. */
  noRepeatNgramSize: z.number().int().min(0).default(0),
  numBeams: z.number().int().min(1).default(1),
  /** Beam hypotheses are scored sum(logprobs) / generatedLength ** lengthPenalty. */
  lengthPenalty: z.number().finite().default(1),
  /** HF's three-valued `early_stopping`: true, false (heuristic) or 'never' (canonical beam search). */
  earlyStopping: z.union([z.boolean(), z.literal('never')]).default(false),
  /** Stop when the generated text contains one of these; it is cut from the output (OpenAI convention). */
  stopStrings: z.union([z.string().min(1), z.array(z.string().min(1))]).default([])
    .transform((s) => (typeof s === 'string' ? [s] : s)),
  /** One id or several; generation of a sequence ends when it produces any of them. */
  eosTokenId: z.union([tokenId, z.array(tokenId)]).optional()
    .transform((e) => (e === undefined ? [] : typeof e === 'number' ? [e] : e)),
  /** Seed of the sampling stream; same seed, same text. */
  seed: z.number().int().optional(),
  /** KV cache (default on). Greedy output is identical with it off. */
  useCache: z.boolean().default(true),
}).strict();

/** What callers write (every field optional). */
export type GenerationConfigInput = z.input<typeof GenerationConfigSchema>;
/** The validated config with defaults filled in; `stopStrings` and `eosTokenId` normalised to arrays. */
export type GenerationConfig = z.output<typeof GenerationConfigSchema>;

/** Validates and fills defaults; throws GenerationConfigError with every problem listed. */
export function parseGenerationConfig(input: GenerationConfigInput = {}): GenerationConfig {
  const parsed = GenerationConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new GenerationConfigError(`invalid generation config: ${describeIssues(parsed.error.issues, '', 20)}`);
  }
  const c = parsed.data;
  if (c.minNewTokens > c.maxNewTokens) {
    throw new GenerationConfigError(
      `minNewTokens (${c.minNewTokens}) exceeds maxNewTokens (${c.maxNewTokens}): lower minNewTokens or raise maxNewTokens`);
  }
  if (c.numBeams > 1 && c.doSample) {
    throw new GenerationConfigError('beam sampling (numBeams > 1 with doSample: true) is not implemented: set doSample: false for beam search or numBeams: 1 for sampling');
  }
  if (c.minNewTokens > 0 && c.eosTokenId.length === 0) {
    throw new GenerationConfigError('minNewTokens needs eosTokenId (it suppresses EOS until reached): pass the tokenizer\'s eosId');
  }
  return c;
}
