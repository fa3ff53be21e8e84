/** Conv2D (plain and fused), both backprops and MaxPoolGrad, NHWC, as im2col + OpenBLAS sgemm. */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import type { NativeAddon } from '../native/addon.js';
import { overrideKernel, type KernelArgs } from './register.js';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
const activations: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, leakyrelu: 4, elu: 5 };

function convDims(info: Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.outChannels, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    info.dilationHeight, info.dilationWidth, info.outHeight, info.outWidth,
  ]);
}

function channelsLast(args: KernelArgs): boolean {
  const format = args.attrs.dataFormat;
  return format === undefined || format === 'NHWC' || format === 'channelsLast';
}

function isFloat(...ts: (TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.dtype === 'float32');
}

type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export function registerConvKernels(backendName: string, native: NativeAddon): void {
  const forward = (args: KernelArgs, mem: Parameters<Parameters<typeof overrideKernel>[2]>[1], fused: boolean) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    if (!channelsLast(args) || !isFloat(x, filter) || preluActivationWeights) return null;
    const activation = fused ? String(args.attrs.activation ?? 'linear') : 'linear';
    if (!(activation in activations)) return null;
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
      args.attrs.strides as [number, number], (args.attrs.dilations as [number, number]) ?? 1, args.attrs.pad as Pad,
      args.attrs.dimRoundingMode as Rounding, false, 'channelsLast');
    const biasSize = bias ? bias.shape.reduce((p, d) => p * d, 1) : 0;
    if (bias && (bias.dtype !== 'float32' || (biasSize !== info.outChannels && biasSize !== 1))) return null;
    const out = mem.alloc(info.outShape, 'float32');
    const outView = mem.f32(out);
    native.conv2d(mem.f32(x!), mem.f32(filter!), outView, convDims(info));
    if (bias || activation !== 'linear') {
      native.biasActivation(outView, outView.length / info.outChannels, info.outChannels, bias ? mem.f32(bias) : null,
        activations[activation], Number(args.attrs.leakyreluAlpha ?? 0.2));
    }
    return out;
  };
  overrideKernel('Conv2D', backendName, (args, mem) => forward(args, mem, false));
  overrideKernel('FusedConv2D', backendName, (args, mem) => forward(args, mem, true));

  overrideKernel('Conv2DBackpropInput', backendName, (args, mem) => {
    const { dy, filter } = args.inputs as Record<string, TensorInfo>;
    if (!channelsLast(args) || !isFloat(dy, filter)) return null;
    const info = tf.backend_util.computeConv2DInfo(
      args.attrs.inputShape as [number, number, number, number], filter.shape as [number, number, number, number],
      args.attrs.strides as [number, number], 1, args.attrs.pad as Pad, args.attrs.dimRoundingMode as Rounding, false,
      'channelsLast');
    const out = mem.alloc(info.inShape, 'float32');
    native.conv2dBackpropInput(mem.f32(dy), mem.f32(filter), mem.f32(out), convDims(info));
    return out;
  });

  overrideKernel('Conv2DBackpropFilter', backendName, (args, mem) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    if (!channelsLast(args) || !isFloat(x, dy)) return null;
    const filterShape = args.attrs.filterShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, args.attrs.strides as [number, number], 1,
      args.attrs.pad as Pad, args.attrs.dimRoundingMode as Rounding, false, 'channelsLast');
    const out = mem.alloc(filterShape, 'float32');
    native.conv2dBackpropFilter(mem.f32(x), mem.f32(dy), mem.f32(out), convDims(info));
    return out;
  });

  overrideKernel('MaxPoolGrad', backendName, (args, mem) => {
    const { dy, input } = args.inputs as Record<string, TensorInfo>;
    if (!isFloat(dy, input)) return null;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], args.attrs.filterSize as [number, number],
      args.attrs.strides as [number, number], 1, args.attrs.pad as Pad, args.attrs.dimRoundingMode as Rounding);
    const out = mem.alloc(input.shape, 'float32');
    native.maxPoolGrad(mem.f32(dy), mem.f32(input), mem.f32(out), Int32Array.from([
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth,
      info.dilationHeight, info.dilationWidth,
    ]));
    return out;
  });
}
