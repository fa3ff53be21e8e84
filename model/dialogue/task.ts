/** Dialogue fine-tuning as a TrainingTask: LM + DEMI on encoded examples (docs/ARCHITECTURE.md §5). */
import { tf, variableArrays } from '../engine/index.js';
import { type SeededRandom } from '../../core/index.js';
import type { GPT } from '../transformer/index.js';
import type { NamedArrays, StepOutput, TrainingTask } from '../training/index.js';
import { makeDialogueBatch, type DialogueBatch, ExampleBatcher, type BatcherState, validationBatches } from './batch.js';
import type { DemiHeads } from './demi-heads.js';
import type { DialogueFormat, EncodedExample } from './format.js';
import { dialogueLoss, type DemiObjectiveConfig } from './objective.js';

export interface DialogueTaskOptions {
  model: GPT;
  heads: DemiHeads | null;
  train: EncodedExample[];
  valid: EncodedExample[];
  format: DialogueFormat;
  objective: DemiObjectiveConfig;
  batchSize: number;
  seed: number;
  checkpointExtras: () => { config: Record<string, unknown>; extraFiles?: Record<string, string | Uint8Array> };
}

/** Names of the logged MI terms: mi_1 = I(x; y(1)), mi_k = I(x; y(k) | y(k-1)). */
export function miTermNames(levels: number): string[] {
  return Array.from({ length: levels }, (_, k) => `mi_${k + 1}`);
}

/**
 * Response prefixes a batch carries: M for the response split; the context split uses only the whole
 * response (its two terms come from the context and its last turn), so one.
 */
function prefixLevels(objective: DemiObjectiveConfig): number {
  return objective.split === 'context' ? 1 : objective.levels;
}

export class DialogueTask implements TrainingTask<DialogueBatch> {
  readonly variables: Record<string, tf.Variable>;
  readonly unit = 'tok';
  private readonly batcher: ExampleBatcher;

  constructor(private readonly o: DialogueTaskOptions) {
    this.variables = { ...o.model.variables, ...(o.heads && o.objective.lambda > 0 ? o.heads.variables : {}) };
    this.batcher = new ExampleBatcher(o.train, o.batchSize, o.seed);
  }

  nextBatch(): DialogueBatch {
    return makeDialogueBatch(this.batcher.next(), this.o.format, prefixLevels(this.o.objective),
      { labelContext: this.o.objective.lmTargets === 'dialogue' });
  }

  step(batch: DialogueBatch, random: SeededRandom): StepOutput {
    const out = dialogueLoss(this.o.model, this.o.heads, batch, this.o.objective, { training: true, random });
    const metrics: Record<string, tf.Scalar> = { lm: out.lm };
    if (out.mi) {
      metrics.mi_total = out.mi.total;
      const names = miTermNames(out.mi.terms.length);
      out.mi.terms.forEach((t, k) => { metrics[names[k]] = t; });
    }
    return { loss: out.loss, metrics, items: batch.inputTokens };
  }

  /**
   * Validation over the held-out examples in fixed shuffled batches (validationBatches): response-token
   * NLL and perplexity over every example; each MI term over the full batches only, so log N is the
   * same for every MI estimate.
   */
  validate(): Record<string, number> {
    const { valid, batchSize, format, objective, model, heads } = this.o;
    let nll = 0;
    let tokens = 0;
    let miSums: number[] = [];
    let miBatches = 0;
    for (const chunk of validationBatches(valid, batchSize)) {
      if (chunk.length < 2) break;
      const batch = makeDialogueBatch(chunk, format, prefixLevels(objective));
      const out = dialogueLoss(model, chunk.length === batchSize ? heads : null, batch, objective);
      nll += out.lm.dataSync()[0] * batch.responseTokens;
      tokens += batch.responseTokens;
      if (out.mi) {
        const values = [out.mi.total, ...out.mi.terms].map((t) => t.dataSync()[0]);
        miSums = values.map((v, k) => (miSums[k] ?? 0) + v);
        miBatches++;
      }
      tf.dispose(out as unknown as tf.TensorContainer);
    }
    const loss = nll / Math.max(tokens, 1);
    const result: Record<string, number> = { loss, ppl: Math.exp(loss) };
    if (miBatches > 0) {
      result.mi_total = miSums[0] / miBatches;
      miTermNames(miSums.length - 1).forEach((name, k) => { result[name] = miSums[k + 1] / miBatches; });
    }
    return result;
  }

  dataState(): BatcherState {
    return this.batcher.getState();
  }

  restoreDataState(state: unknown): void {
    this.batcher.setState(state as BatcherState);
  }

  checkpointExtras() {
    return this.o.checkpointExtras();
  }

  weights(): NamedArrays {
    return variableArrays({ ...this.o.model.variables, ...(this.o.heads?.variables ?? {}) });
  }
}
