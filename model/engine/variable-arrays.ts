import type { tf } from './tf.js';

/** Current values of named variables as plain arrays (what checkpoints and safetensors store). */
export function variableArrays(variables: Record<string, tf.Variable>): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of Object.entries(variables)) out.set(name, { shape: v.shape, data: v.dataSync() as Float32Array });
  return out;
}
