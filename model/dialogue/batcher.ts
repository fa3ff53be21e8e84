/**
 * Shuffled batches over encoded examples. The order of epoch e is a shuffle seeded by (seed, e), so
 * the data position is just {epoch, position} and a resumed run sees exactly the batches the
 * uninterrupted one would have.
 */
import { SeededRandom } from '../../core/index.js';
import type { EncodedExample } from './format.js';

export interface BatcherState {
  epoch: number;
  position: number;
}

export class ExampleBatcher {
  private order: number[] = [];
  private state: BatcherState = { epoch: 0, position: 0 };

  constructor(private readonly examples: readonly EncodedExample[], readonly batchSize: number, private readonly seed: number) {
    if (examples.length < batchSize) {
      throw new Error(`only ${examples.length} training examples for batches of ${batchSize}: lower the batch size or add data`);
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
    if (!Number.isInteger(state?.epoch) || !Number.isInteger(state?.position)) throw new Error('batcher state is malformed');
    this.state = { ...state };
    this.reorder();
  }
}
