/**
 * The data half of the safety issue, end to end through `demi`: nothing deletes what it did not
 * create (export into a run, train into a run), a kill between the two renames of a checkpoint swap
 * resumes bit-for-bit, and the mistakes of a run's set-up are one-line errors that name the file and
 * field. Each test checks that the files at risk are still there, byte for byte.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../core/index.js';
import { writeToyRunConfig } from '../dialogue/toy-run.js';

const dir = mkdtempSync(join(tmpdir(), 'demi-safety-'));
let configFile = '';
/** A finished 20-step run, copied by the tests that put it at risk. */
let run = '';

function demi(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/demi.mjs', ...args], { encoding: 'utf8', env: { ...process.env, DEMI_LOG_LEVEL: 'warn', ...env } });
}
const train = (out: string, extra: string[] = [], env: Record<string, string> = {}) =>
  demi(['train', 'dialogue', '--config', configFile, '--out', out, ...extra], env);

/** Every file under `root` with its bytes, for "nothing changed" checks. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path.slice(root.length)] = readFileSync(path).toString('base64');
    }
  }
  return out;
}
const copyOfRun = (name: string) => {
  const copy = join(dir, name);
  cpSync(run, copy, { recursive: true });
  writeFileSync(join(copy, 'notes.txt'), 'my notes');
  return copy;
};
const oneLine = (stderr: string) => stderr.trim().split('\n').filter((l) => !l.startsWith('{'));

beforeAll(async () => {
  configFile = await writeToyRunConfig(dir, { steps: 30, batchSize: 8, learningRate: 3e-3, warmupSteps: 5, evalEvery: 10, logEvery: 5, seed: 3 }, 16);
  run = join(dir, 'run');
  const first = train(run, ['--steps', '20']);
  if (first.status !== 0) throw new Error(first.stderr);
}, 120_000);

describe('defect 1: demi export never replaces what it did not write', () => {
  test('--out a run directory is refused and every file of the run survives', () => {
    const copy = copyOfRun('export-into-run');
    const before = snapshot(copy);
    const res = demi(['export', '--model', join(copy, 'best'), '--out', copy]);
    expect(res.status).toBe(1);
    expect(oneLine(res.stderr)).toEqual([expect.stringMatching(/^demi: --out .*export-into-run is not empty and is not an earlier export \(it holds .*\); export into a new or empty directory/)]);
    expect(snapshot(copy)).toEqual(before);
    expect(existsSync(join(copy, 'last', 'train_state.safetensors'))).toBe(true);
  });

  test('an earlier export is replaced atomically; files added to it are kept', () => {
    const out = join(dir, 'export');
    expect(demi(['export', '--model', join(run, 'best'), '--out', out, '--dtype', 'f32']).status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).exportedFrom.files).toEqual(['config.json', 'model.safetensors', 'tokenizer.model']);
    writeFileSync(join(out, 'README.md'), 'about this model');
    const res = demi(['export', '--model', join(run, 'last'), '--out', out]);
    expect(res.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'config.json', 'model.safetensors', 'tokenizer.model']);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('about this model');
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).exportedFrom.weightDtype).toBe('F16');
  });

  test('float16 export refuses weights beyond +-65504, naming the tensor and file, unless --clamp', async () => {
    const ckpt = join(dir, 'huge');
    cpSync(join(run, 'best'), ckpt, { recursive: true });
    await writeSafetensors(join(ckpt, 'model.safetensors'), { 'transformer.wte.weight': { dtype: 'F32', shape: [2], data: new Float32Array([1, 1e6]) } });
    const refused = demi(['export', '--model', ckpt, '--out', join(dir, 'huge-f16')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/huge\/model\.safetensors: tensor 'transformer\.wte\.weight' holds 1000000 at index 1, beyond float16's range.*--clamp/);
    expect(existsSync(join(dir, 'huge-f16'))).toBe(false);
    expect(demi(['export', '--model', ckpt, '--out', join(dir, 'huge-f16'), '--clamp']).status).toBe(0);
  });
});

describe('defect 2: demi train into an --out that holds a run', () => {
  test('without --resume it is refused and the run is untouched; --force moves it aside whole', () => {
    const copy = copyOfRun('train-into-run');
    const before = snapshot(copy);
    const res = train(copy, ['--steps', '10']);
    expect(res.status).toBe(1);
    expect(oneLine(res.stderr)).toEqual([expect.stringMatching(/^demi: .*train-into-run already holds a run \(.*last.*\); continue it with --resume, start over with --force/)]);
    expect(snapshot(copy)).toEqual(before);

    const forced = train(copy, ['--steps', '10', '--force']);
    expect(forced.status).toBe(0);
    const moved = readdirSync(dir).filter((n) => n.startsWith('train-into-run.moved-'));
    expect(moved).toHaveLength(1);
    expect(snapshot(join(dir, moved[0]))).toEqual(before);
    expect(JSON.parse(readFileSync(join(copy, 'last', 'train_state.json'), 'utf8')).step).toBe(10);
  }, 60_000);
});

describe('defect 5: a kill between the two renames of the checkpoint swap', () => {
  test('leaves a complete copy that --resume recovers (one log line), ending bit-for-bit as a straight run', async () => {
    const killed = join(dir, 'killed');
    // The second write of last/ (step 20) dies after last/ was renamed away and before the new one took its place.
    const res = train(killed, [], { DEMI_FAULT: 'between-renames:last:2' });
    expect(res.signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'last'))).toBe(false);
    expect(readdirSync(killed).filter((n) => n.startsWith('.last.')).map((n) => n.replace(/-.*/, '')).sort()).toEqual(['.last.new', '.last.old']);

    const straight = join(dir, 'straight');
    const [resumed, reference] = await Promise.all([
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/demi.mjs', 'train', 'dialogue', '--config', configFile, '--out', killed, '--resume'], { env: { ...process.env, DEMI_LOG_LEVEL: 'warn' } });
        let stderr = '';
        child.stderr.on('data', (d) => { stderr += d; });
        child.on('exit', (code) => resolve({ code, stderr }));
      }),
      Promise.resolve().then(() => train(straight)),
    ]);
    expect(resumed.code).toBe(0);
    expect(reference.status).toBe(0);
    expect(resumed.stderr.split('\n').filter((l) => /recovered .*last from \.last\.new-/.test(l))).toHaveLength(1);
    expect(readFileSync(join(killed, 'last', 'model.safetensors')).equals(readFileSync(join(straight, 'last', 'model.safetensors')))).toBe(true);
    expect(readdirSync(killed).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);
});

describe('one training run per --out', () => {
  test('a second command on a live run\'s --out stops, naming the holder; the live run ends normally', async () => {
    const out = join(dir, 'live');
    const child = spawn(process.execPath, ['bin/demi.mjs', 'train', 'dialogue', '--config', configFile, '--out', out, '--steps', '400'], { stdio: 'ignore', env: { ...process.env, DEMI_LOG_LEVEL: 'warn' } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(out, 'last')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(`${out}.lock`)).toBe(true);
    for (const flags of [['--resume'], ['--force'], []]) {
      const second = train(out, flags);
      expect(second.status).toBe(1);
      expect(oneLine(second.stderr)).toEqual([expect.stringMatching(new RegExp(`^demi: .*live is in use by another training run \\(pid ${child.pid} on .*\\); wait for it to finish`))]);
    }
    expect(existsSync(out)).toBe(true); // --force did not move the live run aside
    expect(await exited).toBe(0);
    expect(existsSync(`${out}.lock`)).toBe(false);
  }, 120_000);

  test('a lock left by a killed run is taken over; an unreadable one too', async () => {
    const { lockRunDirectory } = await import('../../model/training/index.js');
    const out = join(dir, 'stale');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${out}.lock`, JSON.stringify({ pid: gone, host: (await import('node:os')).hostname(), since: '2026-01-01T00:00:00Z' }));
    const release = lockRunDirectory(out);
    expect(JSON.parse(readFileSync(`${out}.lock`, 'utf8')).pid).toBe(process.pid);
    expect(() => lockRunDirectory(out)).toThrow(/is in use by another training run \(pid \d+ on /);
    release();
    expect(existsSync(`${out}.lock`)).toBe(false);
    writeFileSync(`${out}.lock`, '{"pid": 12');
    lockRunDirectory(out)();
    // a holder on another host cannot be checked, so it is respected
    writeFileSync(`${out}.lock`, JSON.stringify({ pid: 1, host: 'some-other-host', since: '2026-01-01T00:00:00Z' }));
    expect(() => lockRunDirectory(out)).toThrow(/pid 1 on some-other-host/);
  });
});

describe('defect 8: set-up mistakes are one line naming the file and field', () => {
  test('--resume into an empty directory fails before any data is read', () => {
    const res = train(join(dir, 'empty'), ['--resume', '--set', 'data.train.path="/nonexistent/train.jsonl"']);
    expect(res.status).toBe(1);
    expect(oneLine(res.stderr)).toEqual([expect.stringMatching(/^demi: --resume: there is no checkpoint at .*empty\/last to resume from; /)]);
  });

  test('--resume with another batch size or seed is refused, naming the field and both values', () => {
    const copy = copyOfRun('resume-changed');
    const before = snapshot(copy);
    const batch = train(copy, ['--resume', '--set', 'training.batchSize=16']);
    expect(batch.status).toBe(1);
    expect(oneLine(batch.stderr)).toEqual([expect.stringMatching(/config\.json has training\.batchSize 8 but this run asks for 16; .*--set training\.batchSize=8/)]);
    expect(train(copy, ['--resume', '--set', 'training.seed=4']).stderr).toMatch(/training\.seed 3 but this run asks for 4/);
    expect(snapshot(copy)).toEqual(before);
  });

  test('a missing data.train.path is named, without a stack trace', () => {
    const res = train(join(dir, 'nodata'), ['--set', 'data.train.path="/nonexistent/train.jsonl"']);
    expect(res.status).toBe(1);
    expect(oneLine(res.stderr)).toEqual(['demi: data.train.path: no such file or directory: /nonexistent/train.jsonl; check the path, or leave it out to download the published corpus']);
  });

  test('dModel not divisible by nHead in a training config is one line naming the field', () => {
    const res = train(join(dir, 'badheads'), ['--set', 'model.nHead=3']);
    expect(oneLine(res.stderr)).toEqual([expect.stringMatching(/^demi: invalid dialogue training config .*: model\.dModel: dModel must be divisible by nHead$/)]);
  });

  test('divergence before any checkpoint does not suggest --resume', () => {
    const res = train(join(dir, 'diverged'), ['--set', 'training.learningRate=1e6', '--set', 'training.clipNorm=0', '--set', 'training.warmupSteps=0']);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/Nothing was updated; no checkpoint of this run was written yet; .*start again with --force/);
    expect(res.stderr).not.toMatch(/--resume/);
  });

  test.each([
    [{ nHead: '2' }, /model\.nHead: Expected number, received string/],
    [{ nHead: 3 }, /model\.dModel: dModel must be divisible by nHead/],
  ])('a checkpoint config.json with model %j is a one-line error naming the file and field', (model, message) => {
    const ckpt = join(dir, `edited-${JSON.stringify(model).replace(/\W/g, '')}`);
    cpSync(join(run, 'best'), ckpt, { recursive: true });
    const config = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8'));
    writeFileSync(join(ckpt, 'config.json'), JSON.stringify({ ...config, model: { ...config.model, ...model } }));
    const res = demi(['generate', '--model', ckpt, '--input', join(dir, 'contexts.jsonl'), '--output', join(dir, 'out.jsonl')]);
    expect(res.status).toBe(1);
    const lines = oneLine(res.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^demi: ${ckpt}/config\\.json: `));
    expect(lines[0]).toMatch(message);
  });
});

describe('defect 8: demi generate and corpus splits', () => {
  const topical = join(process.cwd(), 'test/fixtures/dialogue/test_freq.json');
  const generate = (extra: string[]) => demi(['generate', '--model', join(run, 'best'), '--output', join(dir, 'gen.jsonl'), '--max-new-tokens', '2', ...extra]);

  test('--corpus topical-chat without --split reads its test split (test_freq)', () => {
    const res = generate(['--corpus', 'topical-chat', '--data-path', topical]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(readFileSync(join(dir, 'gen.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  test('--split applies to --data-path: another split\'s file is a one-line error', () => {
    const res = generate(['--corpus', 'topical-chat', '--data-path', topical, '--split', 'train']);
    expect(res.status).toBe(1);
    expect(oneLine(res.stderr)).toEqual([expect.stringMatching(/^demi: Topical-Chat: .*test_freq\.json is the "test_freq" split, but split "train" was asked for; pass split "test_freq"/)]);
  });

  test('--spread N takes N examples over the conversations', () => {
    const res = generate(['--input', join(process.cwd(), 'test/fixtures/dialogue/dailydialog-test-sample.jsonl'), '--spread', '4']);
    expect(res.status).toBe(0);
    const ids = readFileSync(join(dir, 'gen.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id as string);
    expect(ids).toHaveLength(4);
    expect(new Set(ids.map((id) => id.split(':')[0])).size).toBeGreaterThan(1);
  });
});

beforeAll(() => {
  writeFileSync(join(dir, 'contexts.jsonl'), `${JSON.stringify({ context: ['hi there'] })}\n`);
});
