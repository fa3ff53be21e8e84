/**
 * HF `TemperatureLogitsWarper`: scores / temperature.
 * HF quirks reproduced:
 * - temperature must be strictly positive (HF raises for 0: "set do_sample=False" for greedy); the
 *   config schema enforces it.
 * - it is a *warper*: only used when sampling (`doSample`); greedy and beam search ignore it.
 * - temperature 1.0 is not added to the list at all (a no-op either way).
 * -Infinity stays -Infinity, so tokens removed by an earlier processor stay removed.
 */
import type { LogitsProcessor } from './logits-processor.js';

export class TemperatureWarper implements LogitsProcessor {
  readonly name = 'temperature';

  constructor(readonly temperature: number) {
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new RangeError(`temperature has to be a strictly positive finite number, got ${temperature}`);
    }
  }

  process(scores: Float32Array): void {
    const t = this.temperature;
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i] / t;
  }
}
