import { tf, selectBackend, AdamW } from '../model/engine/index.js';
import { SeededRandom } from '../core/index.js';
const info = await selectBackend('native');
const rng = new SeededRandom(7);
const batch = 64;
const channels = [3, 64, 128, 256];
const filters = channels.slice(1).map((out, i) => tf.variable(tf.tensor(rng.normalArray(16 * channels[i] * out, 0.05), [4, 4, channels[i], out]), true, `conv${i}`));
const biases = channels.slice(1).map((out, i) => tf.variable(tf.zeros([out]), true, `conv${i}_bias`));
const variables: Record<string, tf.Variable> = {};
[...filters, ...biases].forEach((v) => { variables[v.name] = v; });
const images = tf.tensor4d(rng.uniformArray(batch * 32 * 32 * 3), [batch, 32, 32, 3]);
const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0 });
const step = () => {
  const { value, grads } = tf.variableGrads(() => {
    let x: tf.Tensor4D = images;
    for (let i = 0; i < filters.length; i++) x = tf.relu(tf.add(tf.conv2d(x, filters[i] as tf.Tensor4D, 2, 'same'), biases[i])) as tf.Tensor4D;
    return tf.mean(tf.square(x)) as tf.Scalar;
  }, Object.values(variables));
  optimizer.apply(variables, grads);
  value.dataSync(); value.dispose(); tf.dispose(grads);
};
for (let i = 0; i < 3; i++) step();
const agg: Record<string, number> = {};
const R = 10;
let wall = 0;
for (let r = 0; r < R; r++) {
  const t0 = performance.now();
  const p = await tf.profile(step);
  wall += performance.now() - t0;
  for (const k of p.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); agg[key] = (agg[key] ?? 0) + (k.kernelTimeMs as number); }
}
const rows = Object.entries(agg).sort((a, b) => b[1] - a[1]);
let tot = 0; for (const [, v] of rows) tot += v;
console.log(info.name, 'wall/step', (wall / R).toFixed(1), 'kernels/step', (tot / R).toFixed(1));
for (const [k, v] of rows.slice(0, 30)) console.log((v / R).toFixed(2).padStart(8), k);
