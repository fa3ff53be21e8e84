/**
 * A training batch for the LM + DEMI objective (docs/ARCHITECTURE.md §5), as typed arrays:
 * - the LM pass over context + response: ids [B, T], labels [B, T] (-1 on context and padding, so
 *   the loss counts response tokens and EOS only; with `labelContext` the context turns are labelled
 *   too), and the position of each context's last token
 *   (its hidden state is f's input: causal attention means it has seen the context alone);
 * - the response-alone pass: [sep, r_1 .. r_n] [B, Ty], and for each level k = 1..M the position
 *   ending the prefix y(k) = the first ceil(k n / M) response tokens (so y never sees x);
 * - with the context split: the last context turn alone, and where it ends.
 */
import type { DialogueFormat, EncodedExample } from './format.js';
import { IGNORE_LABEL } from '../transformer/index.js';
import { SeededRandom, ConfigError } from '../../core/index.js';
import { CheckpointError } from '../errors.js';

export interface DialogueBatch {
  size: number;
  T: number;
  ids: Int32Array;
  labels: Int32Array;
  /** Index (within a row of `ids`) of the last context token. */
  contextEnd: Int32Array;
  Ty: number;
  responseIds: Int32Array;
  /** [M * size]: level-major positions in `responseIds` rows ending each prefix. */
  prefixEnds: Int32Array;
  levels: number;
  /** Last context turn alone (context split), [size, Tu], and its last position. */
  Tu: number;
  lastTurnIds: Int32Array;
  lastTurnEnd: Int32Array;
  /** Response positions (response tokens + EOS): what the response perplexity averages over. */
  responseTokens: number;
  /** Labelled positions: responseTokens, plus the context's with `labelContext`. */
  labelledTokens: number;
  /** Real (non-padding) positions of the LM pass. */
  inputTokens: number;
}

/** Prefix lengths ceil(k n / M), k = 1..M, each at least 1 token when n >= 1. */
export function prefixLengths(n: number, levels: number): number[] {
  return Array.from({ length: levels }, (_, k) => Math.max(Math.min(n, 1), Math.ceil(((k + 1) * n) / levels)));
}

/** The last turn of an encoded context (the tokens after the second-to-last separator). */
export function lastTurn(contextIds: readonly number[], sepId: number): number[] {
  let start = contextIds.length - 1;
  while (start > 0 && contextIds[start - 1] !== sepId) start--;
  return contextIds.slice(start);
}

export interface DialogueBatchOptions {
  /**
   * Label every next token of the window, context turns included, not just the response's: each
   * context turn is itself a reply to the turns before it, so the LM learns from the whole window
   * at no extra compute (the logits are computed for every position anyway).
   */
  labelContext?: boolean;
}

export function makeDialogueBatch(examples: readonly EncodedExample[], format: DialogueFormat, levels: number,
  options: DialogueBatchOptions = {}): DialogueBatch {
  const size = examples.length;
  if (size === 0) throw new Error('makeDialogueBatch: empty batch');
  const fulls = examples.map((e) => [...e.contextIds, ...e.responseIds, format.eosId]);
  const T = Math.max(...fulls.map((f) => f.length - 1));
  const Ty = Math.max(...examples.map((e) => e.responseIds.length + 1));
  const turns = examples.map((e) => lastTurn(e.contextIds, format.sepId));
  const Tu = Math.max(...turns.map((t) => t.length));
  const ids = new Int32Array(size * T).fill(format.padId);
  const labels = new Int32Array(size * T).fill(IGNORE_LABEL);
  const contextEnd = new Int32Array(size);
  const responseIds = new Int32Array(size * Ty).fill(format.padId);
  const prefixEnds = new Int32Array(levels * size);
  const lastTurnIds = new Int32Array(size * Tu).fill(format.padId);
  const lastTurnEnd = new Int32Array(size);
  let responseTokens = 0;
  let labelledTokens = 0;
  examples.forEach((e, b) => {
    const full = fulls[b];
    const c = e.contextIds.length;
    if (c === 0) throw new Error('makeDialogueBatch: an example has an empty context');
    for (let t = 0; t < full.length - 1; t++) {
      ids[b * T + t] = full[t];
      const inResponse = t + 1 >= c;
      if (inResponse || options.labelContext) {
        labels[b * T + t] = full[t + 1];
        labelledTokens++;
      }
      if (inResponse) responseTokens++;
    }
    contextEnd[b] = c - 1;
    responseIds[b * Ty] = format.sepId;
    e.responseIds.forEach((id, j) => { responseIds[b * Ty + 1 + j] = id; });
    prefixLengths(e.responseIds.length, levels).forEach((len, k) => { prefixEnds[k * size + b] = len; });
    turns[b].forEach((id, j) => { lastTurnIds[b * Tu + j] = id; });
    lastTurnEnd[b] = turns[b].length - 1;
  });
  const inputTokens = fulls.reduce((n, f) => n + f.length - 1, 0);
  return { size, T, ids, labels, contextEnd, Ty, responseIds, prefixEnds, levels, Tu, lastTurnIds, lastTurnEnd, responseTokens, labelledTokens, inputTokens };
}

// ---- batcher

/**
 * Validation examples in a fixed shuffled order, cut into batches of `batchSize` (the tail, if any, in
 * a last smaller batch). Examples come in episode order, so consecutive batches in that order hold
 * consecutive turns of one dialogue: a context's in-batch negatives would then include the next turn,
 * whose context quotes the response word for word, and the MI estimates would not be estimates of the
 * chain-rule terms (in-batch negatives must be draws from p(x)). The seed is fixed, not the run's, so
 * runs with different training seeds are validated on the same batches.
 */
export const VALIDATION_ORDER_SEED = 20210718;

export function validationBatches<T>(examples: readonly T[], batchSize: number): T[][] {
  const order = new SeededRandom(VALIDATION_ORDER_SEED).shuffle(Array.from({ length: examples.length }, (_, i) => i));
  const batches: T[][] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    batches.push(order.slice(start, start + batchSize).map((i) => examples[i]));
  }
  return batches;
}

/**
 * Shuffled batches over encoded examples. The order of epoch e is a shuffle seeded by (seed, e), so
 * the data position is just {epoch, position} and a resumed run sees exactly the batches the
 * uninterrupted one would have.
 */
export interface BatcherState {
  epoch: number;
  position: number;
}

export class ExampleBatcher {
  private order: number[] = [];
  private state: BatcherState = { epoch: 0, position: 0 };

  constructor(private readonly examples: readonly EncodedExample[], readonly batchSize: number, private readonly seed: number) {
    if (examples.length < batchSize) {
      throw new ConfigError(`only ${examples.length} training examples for batches of ${batchSize}`, { hint: 'lower training.batchSize or add data' });
    }
    this.reorder();
  }

  private reorder(): void {
    const indices = Array.from({ length: this.examples.length }, (_, i) => i);
    this.order = new SeededRandom(this.seed * 7919 + this.state.epoch * 104729 + 1).shuffle(indices);
  }

  /** The next batch of distinct examples (an epoch's tail that cannot fill a batch is skipped). */
  next(): EncodedExample[] {
    if (this.state.position + this.batchSize > this.order.length) {
      this.state = { epoch: this.state.epoch + 1, position: 0 };
      this.reorder();
    }
    const batch = this.order.slice(this.state.position, this.state.position + this.batchSize).map((i) => this.examples[i]);
    this.state = { ...this.state, position: this.state.position + this.batchSize };
    return batch;
  }

  getState(): BatcherState {
    return { ...this.state };
  }

  setState(state: BatcherState): void {
    if (!Number.isInteger(state?.epoch) || !Number.isInteger(state?.position)) throw new CheckpointError('the data position in the checkpoint (train_state.json) is malformed', { hint: 'resume from another checkpoint, or start the run again' });
    this.state = { ...state };
    this.reorder();
  }
}
