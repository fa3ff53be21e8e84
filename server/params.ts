/**
 * Decoding parameters: validated once at the edge (`params` of the socket's `chat:send`, or the
 * OpenAI route's snake_case fields mapped onto the same schema), then resolved into the one
 * `ResolvedParams` that the rest of the server passes down to the generation worker, the only place
 * that turns them into model/generation's config (HF GenerationConfig semantics).
 *
 * Defaults suit chatting with a small dialogue model: nucleus sampling at temperature 0.7, top-p
 * 0.9, no top-k cut (OpenAI has none; HF's default of 50 would be a surprise here). Temperature 0
 * means greedy decoding (OpenAI's convention), where top-p/top-k do not apply.
 *
 * `rerank: n` (n >= 2) is DEMI rerank (docs/ARCHITECTURE.md §6): n replies are sampled together and
 * the one the model's DEMI critic scores highest with the conversation is returned, whole (nothing
 * streams before the choice). It needs a sampling temperature and a model trained with a critic.
 * The server has one default for it (`demi serve --rerank N`, else 8 when the model has a critic),
 * so that the web page and the OpenAI route decode alike unless a request says otherwise.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { GenerationConfigInput } from '../model/generation/index.js';
import { ServerError } from './errors.js';
import type { ModelInfo } from './model-info.js';

/**
 * The defaults that do not depend on the model (maxTokens and rerank do, and a missing seed is drawn
 * per request). The web client reads them from GET /params, so this is their one definition.
 */
export const DEFAULT_PARAMS = {
  temperature: 0.7, topP: 0.9, topK: 0, minTokens: 0, repetitionPenalty: 1, noRepeatNgramSize: 0,
} as const satisfies Partial<ResolvedParams>;
/** Candidates the critic chooses among when `--rerank` is not given: the gain flattens beyond this, the latency does not. */
export const DEFAULT_RERANK = 8;
export const MAX_STOP_STRINGS = 4;
export const MAX_STOP_LENGTH = 64;
/** Candidates are decoded as one batch: more than this costs more latency than it buys. */
export const MAX_RERANK = 16;

export const ChatParamsSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** 0 disables it. */
  topK: z.number().int().min(0).max(100_000).optional(),
  maxTokens: z.number().int().min(1).optional(),
  /** EOS is suppressed until this many tokens were generated (vLLM's `min_tokens`). */
  minTokens: z.number().int().min(0).optional(),
  seed: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  stop: z.array(z.string().min(1).max(MAX_STOP_LENGTH)).max(MAX_STOP_STRINGS).optional(),
  repetitionPenalty: z.number().gt(0).max(10).optional(),
  noRepeatNgramSize: z.number().int().min(0).max(16).optional(),
  /** DEMI rerank candidates; 0 or 1 = off. */
  rerank: z.number().int().min(0).max(MAX_RERANK).optional(),
}).strict();

export type ChatParams = z.infer<typeof ChatParamsSchema>;

/**
 * The server's default `rerank` for a model: `configured` (`demi serve --rerank`), else
 * DEFAULT_RERANK; always 0 for a model without a critic, which could not serve any request otherwise.
 */
export function serverRerank(configured: number | undefined, model: Pick<ModelInfo, 'demiCritic'>): number {
  const n = configured ?? DEFAULT_RERANK;
  return model.demiCritic && n > 1 ? n : 0;
}

/** Every parameter decided: what the worker decodes with (and the seed a client may reuse). */
export type ResolvedParams = Required<ChatParams>;

/**
 * Fills defaults and checks the limits that depend on the model. A request without a seed gets a
 * fresh random one (so replies vary), reported back so that the reply can be reproduced.
 */
export function resolveParams(params: ChatParams, model: Pick<ModelInfo, 'maxResponseTokens' | 'maxTokensLimit' | 'demiCritic'>, paramPrefix = '',
  defaultRerank = 0): ResolvedParams {
  const maxTokens = params.maxTokens ?? Math.min(model.maxResponseTokens, model.maxTokensLimit);
  if (maxTokens > model.maxTokensLimit) {
    throw new ServerError('invalid_request',
      `maxTokens ${maxTokens} is more than this model can generate in one reply (at most ${model.maxTokensLimit}, its block size minus room for the context): ask for fewer tokens`,
      `${paramPrefix}maxTokens`);
  }
  const minTokens = params.minTokens ?? DEFAULT_PARAMS.minTokens;
  if (minTokens > maxTokens) {
    throw new ServerError('invalid_request', `minTokens (${minTokens}) exceeds maxTokens (${maxTokens}): lower minTokens or raise maxTokens`, `${paramPrefix}minTokens`);
  }
  const temperature = params.temperature ?? DEFAULT_PARAMS.temperature;
  // 1 candidate is no choice: the same as off. The server's default gives way to greedy decoding
  // (a request asking for temperature 0 did not ask for a choice); an explicit rerank does not.
  const rerank = params.rerank !== undefined ? (params.rerank > 1 ? params.rerank : 0) : temperature > 0 ? defaultRerank : 0;
  if (rerank > 0 && !model.demiCritic) {
    throw new ServerError('invalid_request', 'rerank needs a DEMI critic, and this model was trained without one (lambda = 0): leave rerank out', `${paramPrefix}rerank`);
  }
  if (rerank > 0 && temperature === 0) {
    throw new ServerError('invalid_request', 'rerank chooses among sampled replies: use a temperature above 0 with it (0 is greedy decoding, one possible reply)', `${paramPrefix}rerank`);
  }
  return {
    temperature,
    topP: params.topP ?? DEFAULT_PARAMS.topP,
    topK: params.topK ?? DEFAULT_PARAMS.topK,
    maxTokens,
    minTokens,
    seed: params.seed ?? randomInt(0, 2 ** 31),
    stop: params.stop ?? [],
    repetitionPenalty: params.repetitionPenalty ?? DEFAULT_PARAMS.repetitionPenalty,
    noRepeatNgramSize: params.noRepeatNgramSize ?? DEFAULT_PARAMS.noRepeatNgramSize,
    rerank,
  };
}

/**
 * The generation config for resolved params (the generation worker's one conversion). A reply's
 * ends come from model/dialogue's `withDialogueStops`; `stopIds` only adds ids to them.
 */
export function toGenerationConfig(params: ResolvedParams, stopIds: readonly number[] = []): GenerationConfigInput {
  const sample = params.temperature > 0;
  return {
    maxNewTokens: params.maxTokens,
    minNewTokens: params.minTokens,
    doSample: sample,
    ...(sample ? { temperature: params.temperature, topP: params.topP, topK: params.topK, seed: params.seed } : {}),
    repetitionPenalty: params.repetitionPenalty,
    noRepeatNgramSize: params.noRepeatNgramSize,
    stopStrings: params.stop,
    ...(stopIds.length > 0 ? { eosTokenId: [...new Set(stopIds)] } : {}),
    useCache: true,
  };
}
