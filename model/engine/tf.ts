/**
 * The one TF.js import of the project. Everything uses the tfjs-core API through this module, so the
 * backends (cpu, wasm, tfjs-node when present) and the native kernels all register on one engine.
 */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every op's gradient on tfjs-core (tfjs-core alone registers none).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

// PROD silences TF.js's console advice to install tfjs-node (selectBackend reports the engine itself).
tf.env().set('PROD', true);

export { tf };
export type Tensor = tf.Tensor;

/** Current values of named variables as plain arrays (what checkpoints and safetensors store). */
export function variableArrays(variables: Record<string, tf.Variable>): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of Object.entries(variables)) out.set(name, { shape: v.shape, data: v.dataSync() as Float32Array });
  return out;
}
