/**
 * runSyntheticExperiment end to end on a tiny problem (d = 6, batch 32, small critics): files, rows,
 * determinism, no leaks; DEMI gets past log N where InfoNCE cannot. The full-size run is
 * `demi synthetic` (minutes), not a test.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, tf } from '../../model/engine/index.js';
import { runSyntheticExperiment, summarize, SyntheticError, type SyntheticOptions } from '../../model/synthetic/index.js';

const tiny: SyntheticOptions = {
  dim: 6,
  batch: 32,
  miValues: [1, 10],
  steps: 60,
  warmupSteps: 60,
  hidden: 32,
  layers: 1,
  embed: 16,
  learningRate: 2e-3,
  estimators: ['infonce', 'nwj', 'jsd', 'dv', 'mine', 'demi-3', 'demi-3-exact'],
  exactNegatives: 31,
  exactAnchors: 8,
  seed: 3,
  progress: false,
};

let dir: string;

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(join(tmpdir(), 'demi-synthetic-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('trains every estimator on the staircase, writes CSV/JSON/Markdown/SVG, leaks nothing', async () => {
  const before = tf.memory().numTensors;
  const result = await runSyntheticExperiment({ ...tiny, out: dir });
  expect(tf.memory().numTensors).toBe(before);

  expect(result.rows).toHaveLength(2 * 7);
  const logN = Math.log(32);
  const row = (est: string, mi: number) => result.rows.find((r) => r.estimator === est && r.trueMI === mi)!;
  for (const r of result.rows) {
    expect(r.evalSteps + r.nonFinite).toBe(30);
    if (r.estimator === 'infonce') expect(r.estimate).toBeLessThanOrEqual(logN + 1e-5);
  }
  // at 10 nats with N = 32 (log N = 3.47) InfoNCE is stuck below log N; DEMI's three terms get well past it
  expect(row('infonce', 10).estimate).toBeGreaterThan(2.5);
  expect(row('demi-3', 10).estimate).toBeGreaterThan(row('infonce', 10).estimate + 2);
  // exact negatives: 32 anchors x 31 negatives at this size; measured 4.23 vs InfoNCE 3.23 on an AVX2-only
  // AMD EPYC (OpenBLAS Haswell kernels), so a margin of 1 nat sat on the edge of BLAS rounding; 0.75
  // still needs DEMI past log N
  expect(row('demi-3-exact', 10).estimate).toBeGreaterThan(row('infonce', 10).estimate + 0.75);
  expect(row('demi-3', 10).terms).toHaveLength(3);
  expect(row('demi-3', 10).trueTerms!.reduce((a, b) => a + b, 0)).toBeCloseTo(10, 6);
  expect(row('demi-3', 10).ess).toHaveLength(2);
  expect(row('demi-3-exact', 10).cap).toBeCloseTo(3 * logN, 6);

  const csv = await readFile(join(dir, 'synthetic.csv'), 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('estimator,subviews,true_mi,estimate,std,stderr,eval_steps,non_finite,skipped_updates,log_n,cap,terms,true_terms,ess');
  expect(lines).toHaveLength(1 + 14);
  const json = JSON.parse(await readFile(join(dir, 'synthetic.json'), 'utf8'));
  expect(json.rows).toHaveLength(14);
  expect(json.options.batch).toBe(32);
  expect(json.rows[0].estimate).toBeCloseTo(result.rows[0].estimate, 10);
  const svg = await readFile(join(dir, 'synthetic.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('demi-3-exact');
  const md = await readFile(join(dir, 'synthetic.md'), 'utf8');
  expect(md).toContain('| true MI | infonce | nwj | jsd | dv | mine | demi-3 | demi-3-exact |');

  const summary = summarize(result);
  expect(summary.ratioToInfoNCE['demi-3']).toBeGreaterThan(1.5);
  expect(summary.lines.join('\n')).toContain('infonce at true MI 10');
}, 60000);

test('same seed, same numbers', async () => {
  const options: SyntheticOptions = { ...tiny, miValues: [4], steps: 6, warmupSteps: 0, estimators: ['infonce', 'demi-2', 'demi-2-exact'] };
  const a = await runSyntheticExperiment(options);
  const b = await runSyntheticExperiment(options);
  expect(b.rows.map((r) => r.estimate)).toEqual(a.rows.map((r) => r.estimate));
  const c = await runSyntheticExperiment({ ...options, seed: 4 });
  expect(c.rows.map((r) => r.estimate)).not.toEqual(a.rows.map((r) => r.estimate));
});

test('bad options fail before any training, saying what is wrong', async () => {
  await expect(runSyntheticExperiment({ estimators: ['infonce', 'nope'] })).rejects.toThrow(/unknown estimator 'nope'/);
  await expect(runSyntheticExperiment({ batch: 1 })).rejects.toThrow(SyntheticError);
  await expect(runSyntheticExperiment({ estimators: ['dv', 'dv'] })).rejects.toThrow(/listed twice/);
  await expect(runSyntheticExperiment({ miValues: [] })).rejects.toThrow(/miValues/);
});
