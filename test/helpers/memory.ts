import { tf } from '../../model/engine/index.js';

/**
 * Runs `fn` once to warm caches, then `repeats` more times, and fails if the number of live tensors
 * grows: long-running code (server, trainers) must keep tf.memory().numTensors flat.
 */
export async function expectTensorCountFlat(fn: () => unknown | Promise<unknown>, repeats = 3): Promise<void> {
  await fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`tensor leak: ${after - before} tensors left after ${repeats} calls (${before} -> ${after})`);
  }
}
