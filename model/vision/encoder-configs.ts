/**
 * The DIM encoders (dim.md §2, rdevon/DIM `configs/convnets.py`). Indices are block indices of the
 * stack; the encoder appends Linear(64) = Y.
 * - basic32x32 (CIFAR): conv 64-128-256 4x4 s2 -> flatten -> fc 1024; local map = block 1 (8x8x128),
 *   conv features = block 2 (4x4x256), fc = block 4.
 * - alex64x64 (STL-10, Tiny ImageNet): conv 96/192 3x3 + max-pool 3/2, conv 384, 384, 192 + pool,
 *   fc 4096, fc 4096; local map = block 2 (15x15x384), conv = block 4 (7x7x192), fc = block 7.
 */
import type { BlockSpec } from './layer-stack.js';

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
