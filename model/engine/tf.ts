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
