/**
 * The DIM encoders (docs/ARCHITECTURE.md §9, rdevon/DIM `configs/convnets.py`). Indices are block indices of the
 * stack; the encoder appends Linear(64) = Y.
 * - basic32x32 (CIFAR): conv 64-128-256 4x4 s2 -> flatten -> fc 1024; local map = block 1 (8x8x128),
 *   conv features = block 2 (4x4x256), fc = block 4.
 * - alex64x64 (STL-10, Tiny ImageNet): conv 96/192 3x3 + max-pool 3/2, conv 384, 384, 192 + pool,
 *   fc 4096, fc 4096; local map = block 2 (15x15x384), conv = block 4 (7x7x192), fc = block 7.
 */
import { type BlockSpec, Dense, blockShapes, LayerStack, type FeatureShape, type Params } from './layers.js';
import { tf } from '../engine/index.js';
import { VisionError } from '../errors.js';

export interface EncoderArchitecture {
  name: string;
  inputSize: number;
  blocks: BlockSpec[];
  localIndex: number;
  convIndex: number;
  fcIndex: number;
}

const pool = { size: 3, stride: 2 };

export const ENCODER_ARCHITECTURES: Record<string, EncoderArchitecture> = {
  basic32x32: {
    name: 'basic32x32',
    inputSize: 32,
    blocks: [
      { kind: 'conv', filters: 64, kernel: 4, stride: 2 },
      { kind: 'conv', filters: 128, kernel: 4, stride: 2 },
      { kind: 'conv', filters: 256, kernel: 4, stride: 2 },
      { kind: 'flatten' },
      { kind: 'dense', units: 1024 },
    ],
    localIndex: 1,
    convIndex: 2,
    fcIndex: 4,
  },
  alex64x64: {
    name: 'alex64x64',
    inputSize: 64,
    blocks: [
      { kind: 'conv', filters: 96, kernel: 3, stride: 1, pool },
      { kind: 'conv', filters: 192, kernel: 3, stride: 1, pool },
      { kind: 'conv', filters: 384, kernel: 3, stride: 1 },
      { kind: 'conv', filters: 384, kernel: 3, stride: 1 },
      { kind: 'conv', filters: 192, kernel: 3, stride: 1, pool },
      { kind: 'flatten' },
      { kind: 'dense', units: 4096 },
      { kind: 'dense', units: 4096 },
    ],
    localIndex: 2,
    convIndex: 4,
    fcIndex: 7,
  },
};

export type EncoderName = 'basic32x32' | 'alex64x64';
export const ENCODER_NAMES = Object.keys(ENCODER_ARCHITECTURES) as EncoderName[];

// ---- encoder

/**
 * The DIM encoder E = f ∘ C (docs/ARCHITECTURE.md §9): a LayerStack of conv/fc blocks plus the appended
 * Linear(outputUnits) with no BN and no activation, Y. `features` returns the local map C(x)
 * (NHWC), the classifier features conv (flattened) and fc, and Y.
 *
 * `width` scales every block's channels/units (1 = the paper's encoder; smaller for tests and
 * quick CPU runs); Y keeps `outputUnits`.
 */
export interface EncoderConfig {
  architecture: EncoderName;
  /** Input channels (3 for colour, 1 for MNIST-like sets). */
  channels: number;
  outputUnits: number;
  width: number;
}

export interface EncoderFeatures {
  /** The local feature map C(x), [N, M, M, C]. */
  local: tf.Tensor4D;
  /** The last conv block, flattened, [N, D]. */
  conv: tf.Tensor2D;
  /** The last hidden fc block, [N, D]. */
  fc: tf.Tensor2D;
  /** The output Y, [N, outputUnits] (pre-sigmoid). */
  y: tf.Tensor2D;
}

export type FeatureName = 'conv' | 'fc' | 'y';
export const FEATURE_NAMES: FeatureName[] = ['conv', 'fc', 'y'];

export function scaleBlocks(blocks: BlockSpec[], width: number): BlockSpec[] {
  const scale = (n: number) => Math.max(1, Math.round(n * width));
  return blocks.map((b) => (b.kind === 'conv' ? { ...b, filters: scale(b.filters) } : b.kind === 'dense' ? { ...b, units: scale(b.units) } : b));
}

export function architectureOf(name: string): EncoderArchitecture {
  const a = ENCODER_ARCHITECTURES[name];
  if (!a) throw new VisionError(`unknown encoder '${name}': choose one of ${Object.keys(ENCODER_ARCHITECTURES).join(', ')}`);
  return a;
}

/** Per-example shapes of the local map, conv and fc features of an encoder configuration (no variables created). */
export function encoderShapes(config: EncoderConfig): { local: FeatureShape; conv: FeatureShape; fc: FeatureShape } {
  const a = architectureOf(config.architecture);
  const shapes = blockShapes([a.inputSize, a.inputSize, config.channels], scaleBlocks(a.blocks, config.width));
  return { local: shapes[a.localIndex], conv: shapes[a.convIndex], fc: shapes[a.fcIndex] };
}

export class Encoder {
  readonly architecture: EncoderArchitecture;
  readonly blocks: BlockSpec[];
  readonly stack: LayerStack;
  readonly output: Dense;
  readonly inputShape: [number, number, number];

  constructor(params: Params, readonly config: EncoderConfig, prefix = 'encoder') {
    this.architecture = architectureOf(config.architecture);
    if (!(config.width > 0)) throw new VisionError(`encoder width must be positive, got ${config.width}`);
    const size = this.architecture.inputSize;
    this.inputShape = [size, size, config.channels];
    this.blocks = scaleBlocks(this.architecture.blocks, config.width);
    this.stack = new LayerStack(params, `${prefix}.blocks`, this.inputShape, this.blocks);
    this.output = new Dense(params, `${prefix}.out`, this.stack.outShape()[0], config.outputUnits);
  }

  /** [M, M, C] of the local map. */
  get localShape(): number[] {
    return this.stack.outShape(this.architecture.localIndex);
  }

  featureSize(name: FeatureName): number {
    if (name === 'y') return this.config.outputUnits;
    const shape = this.stack.outShape(name === 'conv' ? this.architecture.convIndex : this.architecture.fcIndex);
    return shape.reduce((a, b) => a * b, 1);
  }

  features(x: tf.Tensor4D, training: boolean): EncoderFeatures {
    const [, h, w, c] = x.shape;
    if (h !== this.inputShape[0] || w !== this.inputShape[1] || c !== this.inputShape[2]) {
      throw new VisionError(`${this.architecture.name} expects images [N, ${this.inputShape}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const outs = this.stack.apply(x, training);
      const { localIndex, convIndex, fcIndex } = this.architecture;
      const fc = outs[fcIndex] as tf.Tensor2D;
      return {
        local: outs[localIndex] as tf.Tensor4D,
        conv: tf.reshape(outs[convIndex], [x.shape[0], -1]) as tf.Tensor2D,
        fc,
        y: this.output.apply(outs[outs.length - 1]) as tf.Tensor2D,
      };
    });
  }
}
