/**
 * The layers of the vision encoders and critics: parameters with PyTorch's default initialisation,
 * dense, conv2d and batch-norm layers, and the stack of conv/fc blocks an encoder is built from.
 */
import { tf, variableArrays } from '../engine/index.js';
import type { SeededRandom } from '../../core/index.js';
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

// ---- dense

/** A fully connected layer on the last axis, weight [in, out], PyTorch default init (optional bias). */
export class Dense {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(params: Params, name: string, readonly inUnits: number, readonly units: number, options: { bias?: boolean; init?: () => Float32Array } = {}) {
    this.weight = params.add(`${name}.weight`, [inUnits, units], options.init ?? torchDefault(params.random, inUnits * units, inUnits));
    if (options.bias ?? true) this.bias = params.add(`${name}.bias`, [units], torchDefault(params.random, units, inUnits));
  }

  /** x [..., in] -> [..., out]. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inUnits]) as tf.Tensor2D;
      const y = tf.matMul(flat, this.weight as tf.Tensor2D);
      const out = this.bias ? tf.add(y, this.bias) : y;
      return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), this.units]);
    });
  }
}

// ---- conv2d

/**
 * A 2-D convolution on NHWC inputs, filters [k, k, in, out], PyTorch default init. Padding 'same'
 * matches DIM's convolutions (4x4 stride 2 pad 1 on even sizes, 3x3 stride 1 pad 1). Convolutions
 * followed by BatchNorm have no bias.
 */
export interface Conv2dSpec {
  filters: number;
  kernel: number;
  stride: number;
  padding?: 'same' | 'valid';
  bias?: boolean;
}

export class Conv2d {
  readonly filter: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(params: Params, name: string, readonly inChannels: number, readonly spec: Conv2dSpec) {
    const { kernel: k, filters } = spec;
    const fanIn = inChannels * k * k;
    this.filter = params.add(`${name}.weight`, [k, k, inChannels, filters], torchDefault(params.random, k * k * inChannels * filters, fanIn));
    if (spec.bias) this.bias = params.add(`${name}.bias`, [filters], torchDefault(params.random, filters, fanIn));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = tf.conv2d(x, this.filter as tf.Tensor4D, this.spec.stride, this.spec.padding ?? 'same');
      return (this.bias ? tf.add(y, this.bias) : y) as tf.Tensor4D;
    });
  }
}

// ---- batch norm

/**
 * BatchNorm over every axis but the last (channels): BatchNorm1d on [N, C], BatchNorm2d on NHWC.
 * PyTorch semantics (docs/ARCHITECTURE.md §9): training normalises with the batch mean and biased variance and
 * updates the running statistics with momentum 0.1 (running = 0.9 running + 0.1 batch, the variance
 * unbiased); evaluation normalises with the running statistics. eps 1e-5. The running statistics are
 * non-trainable variables in the model's Params, so checkpoints save them and resume restores them.
 */
export interface BatchNormOptions {
  momentum?: number;
  epsilon?: number;
}

export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(params: Params, name: string, readonly channels: number, options: BatchNormOptions = {}) {
    this.gamma = params.add(`${name}.weight`, [channels], constant(channels, 1));
    this.beta = params.add(`${name}.bias`, [channels], constant(channels, 0));
    this.runningMean = params.add(`${name}.running_mean`, [channels], constant(channels, 0), false);
    this.runningVar = params.add(`${name}.running_var`, [channels], constant(channels, 1), false);
    this.momentum = options.momentum ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-5;
  }

  /** Normalises `x` (last axis = channels). In training, also updates the running statistics. */
  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        const axes = x.shape.slice(0, -1).map((_, i) => i);
        const count = x.size / this.channels;
        ({ mean, variance } = tf.moments(x, axes));
        if (count < 2) throw new RangeError(`BatchNorm in training needs more than one value per channel, got input [${x.shape}]`);
        const m = this.momentum;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
      } else {
        mean = this.runningMean;
        variance = this.runningVar;
      }
      const scale = tf.mul(tf.rsqrt(tf.add(variance, this.epsilon)), this.gamma);
      return tf.add(tf.mul(tf.sub(x, mean), scale), this.beta);
    });
  }
}

// ---- layer stack

/**
 * A stack of DIM encoder blocks (docs/ARCHITECTURE.md §9): each block is layer -> BatchNorm -> ReLU -> (max-pool),
 * the layer a convolution (no bias) or a fully connected layer (no bias), or a flatten. `apply`
 * returns the output of every block, so callers can tap the local map, conv and fc features.
 */
export type BlockSpec =
  | { kind: 'conv'; filters: number; kernel: number; stride: number; pool?: { size: number; stride: number } }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number };

/** Shape of one example after a block: [H, W, C] for maps, [D] for vectors. */
export type FeatureShape = number[];

interface Block {
  spec: BlockSpec;
  layer?: Conv2d | Dense;
  norm?: BatchNorm;
  outShape: FeatureShape;
}

function convOut(size: number, stride: number): number {
  return Math.ceil(size / stride); // 'same' padding
}

/** The per-example output shape of every block for an input of `inShape` (no variables created). */
export function blockShapes(inShape: FeatureShape, specs: BlockSpec[], prefix = 'stack'): FeatureShape[] {
  let shape = inShape;
  return specs.map((spec, i) => {
    const name = `${prefix}.${i}`;
    if (spec.kind === 'conv') {
      if (shape.length !== 3) throw new VisionError(`${name}: a convolution needs a feature map, got features of shape [${shape}]`);
      let h = convOut(shape[0], spec.stride);
      let w = convOut(shape[1], spec.stride);
      if (spec.pool) {
        h = Math.floor((h - spec.pool.size) / spec.pool.stride) + 1;
        w = Math.floor((w - spec.pool.size) / spec.pool.stride) + 1;
      }
      if (h < 1 || w < 1) throw new VisionError(`${name}: the input [${inShape}] is too small for this encoder`);
      shape = [h, w, spec.filters];
    } else if (spec.kind === 'flatten') {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else {
      if (shape.length !== 1) throw new VisionError(`${name}: a fully connected layer needs flat features, got [${shape}] (add a flatten)`);
      shape = [spec.units];
    }
    return shape;
  });
}

export class LayerStack {
  private readonly blocks: Block[] = [];

  constructor(params: Params, prefix: string, inShape: FeatureShape, specs: BlockSpec[]) {
    const shapes = blockShapes(inShape, specs, prefix);
    let inputShape = inShape;
    specs.forEach((spec, i) => {
      const name = `${prefix}.${i}`;
      const outShape = shapes[i];
      if (spec.kind === 'conv') {
        const layer = new Conv2d(params, `${name}.conv`, inputShape[2], { filters: spec.filters, kernel: spec.kernel, stride: spec.stride });
        this.blocks.push({ spec, layer, norm: new BatchNorm(params, `${name}.bn`, spec.filters), outShape });
      } else if (spec.kind === 'flatten') {
        this.blocks.push({ spec, outShape });
      } else {
        const layer = new Dense(params, `${name}.fc`, inputShape[0], spec.units, { bias: false });
        this.blocks.push({ spec, layer, norm: new BatchNorm(params, `${name}.bn`, spec.units), outShape });
      }
      inputShape = outShape;
    });
  }

  get length(): number {
    return this.blocks.length;
  }

  outShape(index = this.blocks.length - 1): FeatureShape {
    return this.blocks[index].outShape;
  }

  /** Outputs of every block, in order (the input is not included). */
  apply(x: tf.Tensor, training: boolean): tf.Tensor[] {
    const outs: tf.Tensor[] = [];
    let h = x;
    for (const block of this.blocks) {
      const { spec } = block;
      if (spec.kind === 'flatten') {
        h = tf.reshape(h, [h.shape[0], -1]);
      } else {
        const z = spec.kind === 'conv' ? (block.layer as Conv2d).apply(h as tf.Tensor4D) : (block.layer as Dense).apply(h);
        h = tf.relu(block.norm!.apply(z, training));
        if (spec.kind === 'conv' && spec.pool) h = tf.maxPool(h as tf.Tensor4D, spec.pool.size, spec.pool.stride, 'valid');
      }
      outs.push(h);
    }
    return outs;
  }
}
