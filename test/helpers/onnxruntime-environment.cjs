/**
 * A jest environment for tests that call onnxruntime-node (directly or through transformers.js).
 * Jest runs each test file in its own realm, whose Float32Array, BigInt64Array, ... are not the ones
 * onnxruntime's native binding creates its outputs with, so onnxruntime's `instanceof` checks refuse
 * its own results ("A float32 tensor's data must be type of Float32Array"). This environment hands the
 * test realm the host's typed-array constructors. Chosen per file with a docblock:
 *   @jest-environment ./test/helpers/onnxruntime-environment.cjs
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
