/**
 * The dialogue objective (docs/ARCHITECTURE.md §5): LM NLL on response tokens - lambda * I_DEMI.
 *
 * Split 'response' (the card): x = context, y = response, y(k) = its first ceil(k|y|/M) tokens.
 *   S_k[i][j] = <f(x_j), g(y_i(k))> / tau; I_DEMI = InfoNCE(S_1) + sum_k conditionalInfoNCE(S_k, S_{k-1})
 *   (importance-weighted in-batch negatives, weights from the less informed level, no gradient).
 *   M = 1 is the InfoNCE baseline; lambda = 0 the MLE baseline (no critic at all).
 * Split 'context' (the paper's earlier version): x' = the last context turn, x = the whole context,
 *   I(x; y) = I(x'; y) + I(x; y | x'): rows are contexts (x_i with its subview x'_i), columns the
 *   candidate responses y_j, reweighted towards p(y | x'_i).
 */
import { tf } from '../engine/index.js';
import { type SeededRandom } from '../../core/index.js';
import { demi, type DemiLevel } from '../bounds/index.js';
import { lmLoss, type GPT } from '../transformer/index.js';
import type { DialogueBatch } from './batch.js';
import { DemiHeads } from './demi-heads.js';

export interface DemiObjectiveConfig {
  lambda: number;
  levels: number;
  tau: number;
  split: 'response' | 'context';
  projectionDim: number;
  /** Tokens the LM loss of training batches covers (see model/dialogue/config.ts); default 'response'. */
  lmTargets?: 'response' | 'dialogue';
  /** The conditional terms' critic and weights (see model/dialogue/config.ts); default 'level'. */
  conditionalCritic?: ConditionalCritic;
  /** One g projection per response prefix instead of one shared (see model/dialogue/config.ts). */
  perLevelHeads?: boolean;
}

export type ConditionalCritic = 'level' | 'difference' | 'cumulative';

export interface DialogueLossOutput {
  loss: tf.Scalar;
  lm: tf.Scalar;
  /** Present when lambda > 0: the DEMI total and each chain-rule term. */
  mi?: { total: tf.Scalar; terms: tf.Scalar[] };
}

export function dialogueLoss(model: GPT, heads: DemiHeads | null, batch: DialogueBatch, config: DemiObjectiveConfig,
  options: { training?: boolean; random?: SeededRandom } = {}): DialogueLossOutput {
  return tf.tidy(() => computeLoss(model, heads, batch, config, options) as unknown as tf.TensorContainer) as unknown as DialogueLossOutput;
}

function computeLoss(model: GPT, heads: DemiHeads | null, batch: DialogueBatch, config: DemiObjectiveConfig,
  options: { training?: boolean; random?: SeededRandom }): DialogueLossOutput {
  const B = batch.size;
  const ids = tf.tensor2d(batch.ids, [B, batch.T], 'int32');
  const labels = tf.tensor2d(batch.labels, [B, batch.T], 'int32');
  const hidden = model.hidden(ids, options);
  const { loss: lm } = lmLoss(model.logits(hidden) as tf.Tensor3D, labels, batch.labels);
  if (!(config.lambda > 0) || !heads) return { loss: lm, lm };

  const levels = criticLevels(model, heads, hidden, batch, config, options);
  const mi = demi(levels);
  const loss = tf.sub(lm, tf.mul(mi.total, config.lambda)) as tf.Scalar;
  return { loss, lm, mi };
}

/**
 * The DEMI levels of a batch, as the objective scores them: split 'response' chains S_1..S_M
 * (responseLevelScores) with the objective's conditional critic (docs/ARCHITECTURE.md §5); split
 * 'context' gives the last turn's and the whole context's scores. `hidden` is the LM pass's hidden
 * states (f reads the context end).
 */
export function criticLevels(model: GPT, heads: DemiHeads, hidden: tf.Tensor3D, batch: DialogueBatch,
  config: Pick<DemiObjectiveConfig, 'split' | 'tau' | 'conditionalCritic'>, options: { training?: boolean; random?: SeededRandom } = {}): DemiLevel[] {
  if (config.split === 'response') return chainLevels(responseLevelScores(model, heads, hidden, batch, config.tau, options), config.conditionalCritic ?? 'level');
  const B = batch.size;
  const fx = heads.f(rowsAt(hidden, batch.contextEnd));
  const responses = model.hidden(tf.tensor2d(batch.responseIds, [B, batch.Ty], 'int32'), options);
  const fullEnds = batch.prefixEnds.subarray((batch.levels - 1) * B, batch.levels * B);
  const gy = heads.g(rowsAt(responses, fullEnds));
  const lastTurns = model.hidden(tf.tensor2d(batch.lastTurnIds, [B, batch.Tu], 'int32'), options);
  const fxLast = heads.f(rowsAt(lastTurns, batch.lastTurnEnd));
  // Rows are the split variable (contexts), columns the candidates (responses).
  const s1 = DemiHeads.scores(gy, fxLast, config.tau);
  const s2 = DemiHeads.scores(gy, fx, config.tau);
  return [{ scores: s1 }, { scores: s2, logWeights: s1 }];
}

/** S_k[i][j] = <f(x_j), g(y_i(k))> / tau for each response prefix k = 1..M (split 'response'). */
export function responseLevelScores(model: GPT, heads: DemiHeads, hidden: tf.Tensor3D, batch: DialogueBatch, tau: number,
  options: { training?: boolean; random?: SeededRandom } = {}): tf.Tensor2D[] {
  const B = batch.size;
  const fx = heads.f(rowsAt(hidden, batch.contextEnd));
  const responses = model.hidden(tf.tensor2d(batch.responseIds, [B, batch.Ty], 'int32'), options);
  return Array.from({ length: batch.levels }, (_, k) =>
    DemiHeads.scores(fx, heads.g(rowsAt(responses, batch.prefixEnds.subarray(k * B, (k + 1) * B)), k + 1), tau));
}

/**
 * The chain-rule levels from per-level scores S_1..S_M: term 1 is InfoNCE(S_1); term k >= 2 is
 * importance-weighted with the critic and weights `critic` names (model/dialogue/config.ts).
 */
export function chainLevels(scores: tf.Tensor2D[], critic: ConditionalCritic): DemiLevel[] {
  return scores.map((s, k) => {
    if (k === 0) return { scores: s };
    if (critic === 'difference') return { scores: tf.sub(s, scores[k - 1]) as tf.Tensor2D, logWeights: scores[k - 1] };
    if (critic === 'cumulative') return { scores: s, logWeights: tf.addN(scores.slice(0, k)) as tf.Tensor2D };
    return { scores: s, logWeights: scores[k - 1] };
  });
}

/**
 * The hidden state of row b at position positions[b]: [B, T, D] -> [B, D] (differentiable gather).
 * The critic heads read one position per row: the last token of a context or of a response prefix.
 */
export function rowsAt(hidden: tf.Tensor3D, positions: ArrayLike<number>): tf.Tensor2D {
  const [B, T, D] = hidden.shape;
  const index = tf.tensor1d(Int32Array.from({ length: B }, (_, b) => b * T + positions[b]), 'int32');
  return tf.gather(tf.reshape(hidden, [B * T, D]), index) as tf.Tensor2D;
}
