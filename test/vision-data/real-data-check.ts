/**
 * Checks the vision readers on the real data sets in a local data folder (DATA_DIR),
 * not a jest test: the CIFAR-10 JPEG decode takes tens of seconds. Run:
 * npx tsx test/vision-data/real-data-check.ts DATA_DIR. Prints counts, per-class counts and
 * timings as JSON lines.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SIMCLR_VIEW,
  augmentView,
  classCounts,
  findDebianFashionMnist,
  gatherBatch,
  loadCifar10Jpeg,
  loadFashionMnist,
  readIdxFile,
  readIdxPair,
} from '../../data/vision/index.js';
import { SeededRandom } from '../../core/index.js';

const rootArg = process.argv[2];
if (!rootArg) {
  console.error('usage: npx tsx test/vision-data/real-data-check.ts DATA_DIR  (DATA_DIR holds cifar10/, stl10/, fashion-mnist/, ...)');
  process.exit(2);
}
const root: string = rootArg;
const out = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const counts = (labels: Int32Array) => Object.fromEntries(classCounts({ labels }));

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, Math.round(performance.now() - t)];
}

out({ debianFashionMnist: (await findDebianFashionMnist()) ?? null });

const fashion = join(root, 'fashion-mnist');
if (existsSync(fashion)) {
  for (const split of ['train', 'test'] as const) {
    const [set, ms] = await timed(() => loadFashionMnist({ split, dir: fashion }));
    out({ set: `fashion-mnist/${split}`, count: set.count, shape: [set.height, set.width, set.channels], perClass: counts(set.labels), ms });
  }
}

const mnist = join(root, 'mnist', 'idx');
if (existsSync(mnist)) {
  const [set, ms] = await timed(() => readIdxPair(join(mnist, 't10k-images-idx3-ubyte.gz'), join(mnist, 't10k-labels-idx1-ubyte.gz')));
  out({ set: 'mnist/test', count: set.count, shape: [set.height, set.width, set.channels], perClass: counts(set.labels), ms });
  const train = await readIdxFile(join(mnist, 'train-labels-idx1-ubyte.gz'));
  out({ set: 'mnist/train-labels', dims: train.dims });
}

const jpg = join(root, 'cifar10', 'cifar10-jpg.tar.gz');
if (existsSync(jpg)) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'demi-real-'));
  try {
    for (const split of ['train', 'test'] as const) {
      const [set, decodeMs] = await timed(() => loadCifar10Jpeg({ archive: jpg, split, cacheDir }));
      const [again, cachedMs] = await timed(() => loadCifar10Jpeg({ archive: jpg, split, cacheDir }));
      if (again.count !== set.count) throw new Error('cached set differs');
      out({ set: `cifar10-jpg/${split}`, count: set.count, shape: [set.height, set.width, set.channels], perClass: counts(set.labels), decodeMs, cachedMs });
      if (split === 'test') {
        const batch = gatherBatch(set, Array.from({ length: 256 }, (_, i) => i * 39));
        const rng = new SeededRandom(0);
        augmentView(batch, rng, SIMCLR_VIEW);
        const t = performance.now();
        for (let i = 0; i < 10; i++) augmentView(batch, rng, SIMCLR_VIEW);
        out({ augmentViewSimclr256x32x32Ms: +((performance.now() - t) / 10).toFixed(1) });
      }
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
