/**
 * `demi generate --shard I/N` end to end: a tiny seeded model generates greedily over a limited
 * split once unsharded and once as 3 shards; the shards must be disjoint, cover exactly the
 * unsharded run's examples (the --limit applied before sharding), keep each conversation in one
 * shard, and `demi evaluate` over the shard files must give the unsharded report metric for metric.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeToyRunConfig } from '../dialogue/toy-run.js';
import { describeIf, SPM_TRAIN } from '../helpers/optional.js';

const dir = mkdtempSync(join(tmpdir(), 'demi-shards-'));
const demi = (args: string[]) =>
  spawnSync(process.execPath, ['bin/demi.mjs', ...args], { encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn' } });
const ok = (args: string[]) => {
  const res = demi(args);
  if (res.status !== 0) throw new Error(`demi ${args.join(' ')} failed (status ${res.status}):\n${res.stderr}`);
  return res.stdout;
};
const readLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { id: string; hypothesis: string; referenceNll?: number });
const errorOf = (res: ReturnType<typeof demi>) => res.stderr.split('\n').filter((l) => l.startsWith('demi:')).join('\n');

let valid = '';
let model = '';
/** 23 examples cut the fifth conversation in the middle, so the limit must apply before sharding. */
const LIMIT = '23';
const generate = (output: string, extra: string[] = []) => demi(['generate', '--model', model, '--corpus', 'jsonl', '--split', 'valid',
  '--data-path', valid, '--limit', LIMIT, '--max-new-tokens', '6', '--batch-size', '4', '--output', output, ...extra]);

describeIf(SPM_TRAIN)('demi generate --shard and demi evaluate over shard files', () => {
  beforeAll(async () => {
    const configFile = await writeToyRunConfig(dir, { steps: 10, batchSize: 8, learningRate: 3e-3, warmupSteps: 2, evalEvery: 10, logEvery: 5, seed: 3 }, 8);
    valid = join(dir, 'valid.jsonl');
    ok(['train', 'dialogue', '--config', configFile, '--out', join(dir, 'run')]);
    model = join(dir, 'run', 'best');
    const full = generate(join(dir, 'full.jsonl'));
    if (full.status !== 0) throw new Error(full.stderr);
    for (const i of [1, 2, 3]) {
      const shard = generate(join(dir, `shard${i}.jsonl`), ['--shard', `${i}/3`]);
      if (shard.status !== 0) throw new Error(shard.stderr);
    }
  }, 180_000);

  test('the 3 shards are disjoint, keep conversations whole, and add up to the unsharded run', () => {
    const full = readLines(join(dir, 'full.jsonl'));
    const shards = [1, 2, 3].map((i) => readLines(join(dir, `shard${i}.jsonl`)));
    expect(full).toHaveLength(Number(LIMIT));
    expect(new Set(full.map((l) => l.id)).size).toBe(full.length);
    for (const shard of shards) expect(shard.length).toBeGreaterThan(0);
    const sharded = shards.flat();
    expect(sharded.map((l) => l.id).sort()).toEqual(full.map((l) => l.id).sort());
    // Same example, same greedy reply and reference NLL, whichever batch it was decoded in.
    const byId = new Map(full.map((l) => [l.id, l]));
    for (const line of sharded) {
      expect(line.hypothesis).toBe(byId.get(line.id)!.hypothesis);
      expect(line.referenceNll).toBe(byId.get(line.id)!.referenceNll);
    }
    const conversationsOf = (lines: { id: string }[]) => new Set(lines.map((l) => l.id.slice(0, l.id.lastIndexOf(':'))));
    const perShard = shards.map(conversationsOf);
    expect(perShard.reduce((n, s) => n + s.size, 0)).toBe(conversationsOf(full).size);
  });

  test('evaluate over the shard files (in any order) gives exactly the unsharded report', () => {
    ok(['evaluate', '--input', join(dir, 'full.jsonl'), '--output', join(dir, 'full-report.json')]);
    const table = ok(['evaluate', '--input', join(dir, 'shard3.jsonl'), '--input', join(dir, 'shard1.jsonl'),
      '--input', join(dir, 'shard2.jsonl'), '--output', join(dir, 'sharded-report.json')]);
    const full = JSON.parse(readFileSync(join(dir, 'full-report.json'), 'utf8'));
    const sharded = JSON.parse(readFileSync(join(dir, 'sharded-report.json'), 'utf8'));
    expect(full.examples).toBe(Number(LIMIT));
    expect(full.perplexity).not.toBeNull();
    expect(sharded).toEqual(full);
    expect(table).toMatch(/BLEU \(sacrebleu, 0-100\)/);
  });

  test('overlapping or incomplete shard files are refused, naming the files', () => {
    const twice = demi(['evaluate', '--input', join(dir, 'shard1.jsonl'), '--input', join(dir, 'shard2.jsonl'), '--input', join(dir, 'shard1.jsonl')]);
    expect(twice.status).toBe(1);
    expect(errorOf(twice)).toMatch(/shard1\.jsonl.*shard1\.jsonl/);
    const overlap = demi(['evaluate', '--input', join(dir, 'full.jsonl'), '--input', join(dir, 'shard2.jsonl')]);
    expect(overlap.status).toBe(1);
    expect(errorOf(overlap)).toMatch(/id .* is in both .*full\.jsonl and .*shard2\.jsonl/);
    const missing = demi(['evaluate', '--input', join(dir, 'shard1.jsonl'), '--input', join(dir, 'shard3.jsonl')]);
    expect(missing.status).toBe(1);
    expect(errorOf(missing)).toMatch(/shard 2\/3/);
  });

  test('a bad --shard is a one-line error saying what to give', () => {
    for (const bad of ['0/2', '3/2', 'x', '1/0', '1.5/3']) {
      const res = generate(join(dir, 'bad.jsonl'), ['--shard', bad]);
      expect(res.status).toBe(1);
      expect(errorOf(res)).toMatch(new RegExp(`--shard .*'${bad.replace('.', '\\.')}'.*1/N`));
    }
  });
});
