import { tf, selectBackend } from './model/engine/index.js';
import { loadDialogueTrainConfig, trainDialogue } from './model/dialogue/index.js';
await selectBackend('native');
const backendName = tf.getBackend();
const agg = new Map<string, { ms: number; n: number }>();
let on = false;
for (const cfg of tf.getKernelsForBackend(backendName)) {
  const orig = cfg.kernelFunc;
  tf.unregisterKernel(cfg.kernelName, backendName);
  tf.registerKernel({ ...cfg, kernelFunc: (args: any) => {
    if (!on) return orig(args);
    const t0 = performance.now(); const r = orig(args); const ms = performance.now() - t0;
    const shape = JSON.stringify((Object.values(args.inputs)[0] as any)?.shape ?? []);
    const key = cfg.kernelName;
    if (cfg.kernelName === 'Transpose' && shape === '[8000,256]' && !(globalThis as any).shown) { (globalThis as any).shown = 1; console.log('STACK', JSON.stringify(args.attrs.perm), new Error().stack!.split('\n').slice(2, 16).join('\n')); }
    const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += ms; a.n++; agg.set(key, a);
    return r;
  } });
}
const D = '../shared/data/dialogue/dailydialog/data.zip';
const config = loadDialogueTrainConfig('configs/default-model-stage2.json', [
  'model.init="runs/default-model-v2"', 'model.blockSize=256', 'tokenizer.path="models/default/tokenizer.model"',
  `data.train.path="${D}"`, `data.valid.path="${D}"`, 'data.valid.maxExamples=16', 'training.steps=20', 'training.batchSize=16', 'training.evalEvery=1000', 'training.logEvery=5', 'outDir="/tmp/v3-prof"']);
setTimeout(() => { on = true; }, 0);
const t0 = performance.now();
const origNow = performance.now;
let started = 0;
// start timing after 10 steps: the trainer logs every 5; approximate by a timer on wall clock instead
on = false;
const timer = setInterval(() => {}, 1000);
const p = trainDialogue({ ...config, outDir: '/tmp/v3-prof' } as never, { force: true } as never);
// enable after a delay long enough for data loading + ~5 steps
setTimeout(() => { on = true; started = performance.now(); }, 45_000);
await p;
clearInterval(timer);
const total = performance.now() - started;
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
let sum = 0; for (const [, v] of rows) sum += v.ms;
console.log('profiled wall', total.toFixed(0), 'kernel sum', sum.toFixed(0));
for (const [k, v] of rows.slice(0, 40)) console.log(v.ms.toFixed(0).padStart(7), String(v.n).padStart(6), k);
