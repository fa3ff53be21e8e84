/**
 * Replies to dialogue contexts with a loaded model: the context is encoded (turns + separators,
 * truncated from the front to leave room for the reply), and decoding ends at EOS or at a turn
 * separator. Optionally DEMI rerank (docs/ARCHITECTURE.md §6): sample n candidates and return the
 * one the trained critic scores highest with the context.
 */
import { tf } from '../engine/index.js';
import { SeededRandom } from '../../core/index.js';
import { generate, type GenerateOptions, type GenerationConfigInput, type GenerationResult } from '../generation/index.js';
import type { LoadedDialogueModel } from './checkpoint.js';
import { encodeContext } from './format.js';
import { rowsAt } from './objective.js';
import { RerankError } from '../errors.js';

export interface ReplyOptions extends Omit<GenerateOptions, 'tokenizer'> {
  /** DEMI rerank: sample this many candidates per context and keep the critic's favourite (needs a trained critic). */
  rerank?: number;
}

/** `config` with the dialogue's reply ends (EOS and the turn separator) added to its stop ids. */
export function withDialogueStops(loaded: Pick<LoadedDialogueModel, 'format'>, config: GenerationConfigInput): GenerationConfigInput {
  const given = config.eosTokenId === undefined ? [] : Array.isArray(config.eosTokenId) ? config.eosTokenId : [config.eosTokenId];
  return { ...config, eosTokenId: [...new Set([...given, loaded.format.eosId, loaded.format.sepId])] };
}

/** The prompt ids for a context: turns joined by separators, within the block minus the reply's room. */
export function promptFor(loaded: LoadedDialogueModel, turns: readonly string[], maxNewTokens: number): number[] {
  const budget = Math.max(2, loaded.model.config.blockSize - maxNewTokens);
  return encodeContext(turns, loaded.tokenizer, loaded.format, budget);
}

/** Critic scores <f(context), g(candidate)> of candidate replies to one context. */
export function criticScores(loaded: LoadedDialogueModel, context: readonly number[], candidates: readonly number[][]): number[] {
  const heads = loaded.heads;
  if (!heads) throw new RerankError(`${loaded.dir} has no DEMI critic (it was trained with lambda = 0): rerank needs one`);
  return tf.tidy(() => {
    const { model, format } = loaded;
    const hx = model.hidden(tf.tensor2d([context.slice(-model.config.blockSize)], [1, Math.min(context.length, model.config.blockSize)], 'int32'));
    const fx = heads.f(tf.reshape(tf.slice(hx, [0, hx.shape[1] - 1, 0], [1, 1, -1]), [1, -1]) as tf.Tensor2D);
    const rows = candidates.map((c) => [format.sepId, ...c].slice(0, model.config.blockSize));
    const T = Math.max(...rows.map((r) => r.length));
    const ids = tf.tensor2d(rows.map((r) => [...r, ...new Array(T - r.length).fill(format.padId)]), [rows.length, T], 'int32');
    const gy = heads.g(rowsAt(model.hidden(ids), rows.map((r) => r.length - 1)));
    return Array.from(tf.matMul(gy, fx, false, true).dataSync());
  });
}

export async function reply(loaded: LoadedDialogueModel, contexts: readonly (readonly string[])[], config: GenerationConfigInput,
  options: ReplyOptions = {}): Promise<GenerationResult[]> {
  const full = withDialogueStops(loaded, config);
  const maxNewTokens = full.maxNewTokens ?? 20;
  const prompts = contexts.map((turns) => promptFor(loaded, turns, maxNewTokens));
  const { rerank, ...generateOptions } = options;
  if (!rerank || rerank <= 1) return generate(loaded.model, prompts, full, { ...generateOptions, tokenizer: loaded.tokenizer });
  if (!loaded.heads) throw new RerankError(`${loaded.dir} has no DEMI critic (it was trained with lambda = 0): rerank needs one`);
  const random = generateOptions.random ?? new SeededRandom(full.seed ?? 0);
  const results: GenerationResult[] = [];
  for (const prompt of prompts) {
    const batch: number[][] = Array.from({ length: rerank }, () => prompt);
    const candidates = await generate(loaded.model, batch, { ...full, doSample: true, seed: random.nextUint32() >>> 1 },
      { ...generateOptions, onText: undefined, tokenizer: loaded.tokenizer });
    const scores = criticScores(loaded, prompt, candidates.map((c) => c.tokenIds));
    // indexOf(NaN) is -1: a broken critic must be an error, not an undefined candidate.
    if (!scores.every(Number.isFinite)) {
      throw new RerankError(`${loaded.dir}: the DEMI critic scored the candidates ${scores.map(String).join(', ')}`, {
        hint: 'its weights (or the model\'s) are not usable; reload a good checkpoint, or reply without rerank',
      });
    }
    const best = scores.indexOf(Math.max(...scores));
    results.push(candidates[best]);
    generateOptions.onText?.(candidates[best].text, results.length - 1);
  }
  return results;
}
