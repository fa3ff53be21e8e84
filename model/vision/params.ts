/**
 * The named variables of a vision model. TF.js variable names are global to the process, so
 * variables are created unnamed and this record is what names them: the names key checkpoints and
 * the optimizer state. Non-trainable variables (BatchNorm running statistics) live here too, so
 * checkpoints save them and resume restores them; they never receive gradients.
 *
 * Initial values come from a SeededRandom (or from a checkpoint's arrays when given).
 */
import { tf, variableArrays } from '../engine/index.js';
import { type SeededRandom } from '../../core/index.js';
import type { NamedArrays } from '../training/index.js';
import { VisionError } from '../errors.js';

export class Params {
  readonly variables: Record<string, tf.Variable> = {};

  constructor(readonly random: SeededRandom, private readonly initial?: NamedArrays) {}

  /** A new variable `name` of `shape`, from the checkpoint arrays if given, else from `init()`. */
  add(name: string, shape: number[], init: () => Float32Array, trainable = true): tf.Variable {
    if (this.variables[name]) throw new VisionError(`parameter '${name}' is defined twice (a model-building bug)`);
    const size = shape.reduce((a, b) => a * b, 1);
    let values = init();
    const saved = this.initial?.get(name);
    if (this.initial) {
      if (!saved) throw new VisionError(`the checkpoint has no parameter '${name}': it was saved by a different model configuration`);
      if (saved.data.length !== size) {
        throw new VisionError(`the checkpoint's '${name}' has ${saved.data.length} values, the model needs [${shape}] (${size}): a different model configuration`);
      }
      values = saved.data;
    }
    const t = tf.tensor(values, shape);
    const v = tf.variable(t, trainable);
    t.dispose();
    this.variables[name] = v;
    return v;
  }

  /** The trainable variables only. */
  trainable(): Record<string, tf.Variable> {
    return Object.fromEntries(Object.entries(this.variables).filter(([, v]) => v.trainable));
  }

  /** Every variable's values, for a checkpoint. */
  arrays(): NamedArrays {
    return variableArrays(this.variables);
  }

  parameterCount(): number {
    return Object.values(this.variables).filter((v) => v.trainable).reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of Object.values(this.variables)) v.dispose();
  }
}

/** PyTorch's default weight (kaiming-uniform, a = sqrt(5)) and bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function torchDefault(random: SeededRandom, size: number, fanIn: number): () => Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  return () => random.uniformArray(size, -bound, bound);
}

/** DIM's "noisy identity" shortcut init for an [in, out] matrix: U(-0.01, 0.01), ones on the diagonal when out >= in. */
export function noisyIdentity(random: SeededRandom, nIn: number, nOut: number): () => Float32Array {
  return () => {
    const w = random.uniformArray(nIn * nOut, -0.01, 0.01);
    if (nOut >= nIn) for (let i = 0; i < nIn; i++) w[i * nOut + i] = 1;
    return w;
  };
}

export const constant = (size: number, value: number) => () => new Float32Array(size).fill(value);
