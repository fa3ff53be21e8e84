import { tf } from '../tf.js';

/** Whether the active backend has a (native) kernel for this fused op. */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

export function runKernel<T extends tf.Tensor | tf.Tensor[]>(kernelName: string, inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number | string | boolean> = {}): T {
  return tf.engine().runKernel(kernelName, inputs as never, attrs as never) as unknown as T;
}
