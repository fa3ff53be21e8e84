/**
 * A stack of DIM encoder blocks (dim.md §2): each block is layer -> BatchNorm -> ReLU -> (max-pool),
 * the layer a convolution (no bias) or a fully connected layer (no bias), or a flatten. `apply`
 * returns the output of every block, so callers can tap the local map, conv and fc features.
 */
import { tf } from '../engine/index.js';
import { BatchNorm } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { VisionError } from '../errors.js';
import type { Params } from './params.js';

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
