#!/usr/bin/env node
/**
 * Mutation check of the test suite: each entry below is a small deliberate bug. For each one the
 * working tree (tracked and untracked, not ignored files) is copied to a temporary directory
 * (node_modules and the native build folder symlinked), the bug is applied there, and only the
 * test files that should notice it run. A mutation the tests pass is a test that cannot fail.
 *
 *   npm run mutate                        every mutation, a table on stdout
 *   npm run mutate -- --only NAME         one mutation (repeatable)
 *   npm run mutate -- --out report.md     also write the table as Markdown
 *   npm run mutate -- --list              names, and whether each search text is still found once
 *   npm run mutate -- --no-baseline       skip running each test set on the unmutated copy first
 *
 * Each search text must occur exactly once in its file, so a refactor that moves the code is
 * reported ("search text found N times"), never silently skipped. The source tree itself is never
 * changed. Before the mutations, each distinct set of test files runs once on an unmutated copy:
 * a mutation only counts as caught if those tests pass without it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_BUILD = 'model/engine/native/build';
/** A jest run past this is killed and reported as "timed out" (neither caught nor missed). */
const RUN_TIMEOUT_MS = 15 * 60_000;

/**
 * The mutations, grouped by area: a name and the file, `-` the exact text to replace (once), `+` its
 * replacement (`\n` is a line break), then the test files that should notice it.
 */
const TABLE = String.raw`
# bounds
infonce-log-n-minus-1  model/bounds/bounds.ts
  - tf.logSumExp(scores, 1))), Math.log(n))
  + tf.logSumExp(scores, 1))), Math.log(n - 1))
  tests: test/bounds/closed-form.test.ts test/bounds/gradients.test.ts

nwj-drops-the-1  model/bounds/bounds.ts
  - return tf.sub(tf.add(1, tf.mean(diagOf(shifted))), tf.exp(logMeanExpOffDiag(shifted)))
  + return tf.sub(tf.mean(diagOf(shifted)), tf.exp(logMeanExpOffDiag(shifted)))
  tests: test/bounds/closed-form.test.ts

conditional-infonce-weights-n  model/bounds/demi.ts
  - tf.add(tf.add(logWeights, maskDiag(phi)), Math.log(n - 1))
  + tf.add(tf.add(logWeights, maskDiag(phi)), Math.log(n))
  tests: test/bounds/closed-form.test.ts test/vision/estimators.test.ts

demi-total-drops-later-terms  model/bounds/demi.ts
  - const total = terms.length === 1 ? tf.clone(terms[0]) : (tf.addN(terms) as tf.Scalar);
  + const total = tf.clone(terms[0]);
  tests: test/bounds/closed-form.test.ts test/vision/estimators.test.ts

# objective
objective-adds-mi  model/dialogue/objective.ts
  - const loss = tf.sub(lm, tf.mul(mi.total, config.lambda))
  + const loss = tf.add(lm, tf.mul(mi.total, config.lambda))
  tests: test/dialogue/objective.test.ts

validation-in-episode-order  model/dialogue/batch.ts
  - const order = new SeededRandom(VALIDATION_ORDER_SEED).shuffle(Array.from({ length: examples.length }, (_, i) => i));
  + const order = Array.from({ length: examples.length }, (_, i) => i);
  tests: test/dialogue/objective.test.ts

# encoder evaluation
retrieval-ties-count-as-wins  model/dialogue/encoder-evaluation.ts
  - else if (s === target) tied++;
  + else if (s === target) tied += 0;
  tests: test/dialogue/encoder-evaluation.test.ts

distractor-may-repeat-the-answer  model/dialogue/encoder-evaluation.ts
  - if (j !== anchor && texts[j] !== texts[anchor]) chosen.add(j);
  + if (j !== anchor) chosen.add(j);
  tests: test/dialogue/encoder-evaluation.test.ts

macro-f1-weighted-by-class  model/probe/classifier.ts
  - return classes.size > 0 ? sum / classes.size : 0;
  + return classes.size > 0 ? sum / classes.size * (labels.length > 0 ? 1 + 1 / labels.length : 1) : 0;
  tests: test/dialogue/encoder-evaluation.test.ts

# decoding
top-p-strict  model/generation/logits-process.ts
  - if (cum <= limit && r < protectedFrom)
  + if (cum < limit && r < protectedFrom)
  tests: test/generation/processors.test.ts

top-k-removes-ties  model/generation/logits-process.ts
  - if (scores[i] < threshold) scores[i] = FILTER_VALUE;
  + if (scores[i] <= threshold && i !== 0) scores[i] = FILTER_VALUE;
  tests: test/generation/processors.test.ts

repetition-penalty-sign  model/generation/logits-process.ts
  - scores[id] = s < 0 ? s * this.penalty : s / this.penalty;
  + scores[id] = s < 0 ? s / this.penalty : s / this.penalty;
  tests: test/generation/processors.test.ts

sample-hidden-temperature-1.2  model/generation/search.ts
  - export function sampleToken(scores: Float32Array, random: SeededRandom): number {\n  let max
  + export function sampleToken(scores0: Float32Array, random: SeededRandom): number {\n  const scores = scores0.map((s) => s / 1.2);\n  let max
  tests: test/generation/processors.test.ts test/generation/generate.test.ts

beam-length-penalty-ignored  model/generation/search.ts
  - const score = sumLogprobs / generatedLength ** this.lengthPenalty;
  + const score = sumLogprobs / generatedLength;
  tests: test/generation/beam.test.ts

attention-unscaled  model/transformer/gpt.ts
  - ? tf.softmax(tf.add(tf.mul(scores, 1 / Math.sqrt(dh)), mask))
  + ? tf.softmax(tf.add(scores, mask))
  tests: test/transformer/gpt.test.ts test/generation/generate.test.ts test/training/update-rules.test.ts

# metrics
bleu-brevity-penalty-inverted  model/metrics/bleu.ts
  - Math.exp(1 - refLen / sysLen)
  + Math.exp(1 - sysLen / refLen)
  tests: test/metrics/bleu-sacrebleu.test.ts

f1-keeps-articles  model/metrics/f1.ts
  - out = out.replace(ARTICLE, ' ');
  +
  tests: test/metrics/f1.test.ts

distinct-off-by-one  model/metrics/diversity.ts
  - return total === 0 ? 0 : counts.size / total;
  + return total === 0 ? 0 : counts.size / (total + 1);
  tests: test/metrics/diversity.test.ts

perplexity-counts-one-more-token  model/metrics/perplexity.ts
  - const meanNll = nllSum / tokenCount;
  + const meanNll = nllSum / (tokenCount + 1);
  tests: test/metrics/perplexity.test.ts

# safetensors
float16-truncates  core/float16.ts
  - if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1;
  +
  tests: test/core/safetensors.test.ts

write-safetensors-in-place  core/atomic-dir.ts
  - const tmp = siblingPath(path, 'tmp');\n  const fh = await open(tmp, 'wx');
  + const tmp = path;\n  const fh = await open(tmp, 'w');
  tests: test/core/safetensors.test.ts test/core/atomic-dir.test.ts

# trainer
checkpoint-dir-in-place  core/atomic-dir.ts
  -   recoverDirectory(target);\n  const tmp = siblingPath(target, 'tmp');
  +   recoverDirectory(target);\n  mkdirSync(target, { recursive: true });\n  for (const [name, data] of Object.entries(files)) {\n    writeFileSync(join(target, name), data);\n    faultPoint('writing', target);\n  }\n  if (files) return;\n  const tmp = siblingPath(target, 'tmp');
  tests: test/core/atomic-dir.test.ts test/dialogue/checkpoints.test.ts test/dialogue/trainer.test.ts

adamw-no-bias-correction  model/engine/adamw.ts
  - const c1 = 1 - this.beta1 ** this.step;
  + const c1 = 1;
  tests: test/engine/fallback.test.ts test/training/update-rules.test.ts

clip-scale-inverted  model/engine/adamw.ts
  - const scale = maxNorm / (norm + 1e-6);
  + const scale = (norm + 1e-6) / maxNorm;
  tests: test/training/update-rules.test.ts

warmup-skipped  model/training/schedule.ts
  - return (c.peak * step) / c.warmupSteps;
  + return c.peak;
  tests: test/training/update-rules.test.ts

# engine (the pure-JS fallback)
gelu-composed-constant  model/engine/fused-ops.ts
  - tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x))))
  + tf.add(x, tf.mul(0.04, tf.mul(x, tf.mul(x, x))))
  tests: test/engine/fallback.test.ts

# server
server-queue-overflow-off-by-one  server/scheduler.ts
  - if (this.queue.length >= this.maxQueue) {
  + if (this.queue.length > this.maxQueue) {
  tests: test/server/load.test.ts

server-per-address-limit-off-by-one  server/chat-service.ts
  - if (held >= this.maxPendingPerAddress) {
  + if (held > this.maxPendingPerAddress) {
  tests: test/server/access.test.ts test/server/load.test.ts

server-message-limit-off  server/options.ts
  - if (bytes > limits.maxMessageBytes) {
  + if (bytes > limits.maxMessageBytes * 2) {
  tests: test/server/bad-input.test.ts test/server/openai.test.ts

# onnx export
onnx-gelu-constant  model/transformer/onnx.ts
  - g.scalar('const.gelu_cubic', 0.044715)
  + g.scalar('const.gelu_cubic', 0.04)
  tests: test/export/onnx.test.ts

onnx-mask-ignores-padding  model/transformer/onnx.ts
  - const visible = g.one('And', [causal, keyIsReal]);
  + const visible = g.one('And', [causal, causal]);
  tests: test/export/onnx.test.ts

onnx-causal-mask-ignores-past  model/transformer/onnx.ts
  - g.one('Range', [pastLen, totalLen, one64])
  + g.one('Range', [zero64, seqLen, one64])
  tests: test/export/onnx.test.ts

onnx-stops-only-at-eos  model/dialogue/onnx-export.ts
  - eos_token_id: stopIds.length === 1 ? stopIds[0] : stopIds,
  + eos_token_id: format.eosId,
  tests: test/export/onnx.test.ts

tokenizer-json-prefix-first-section  data/tokenizer/sentencepiece-to-json.ts
  - prepend_scheme: addDummyPrefix ? 'always' : 'never'
  + prepend_scheme: addDummyPrefix ? 'first' : 'never'
  tests: test/data/tokenizer-json.test.ts

onnx-decoder-positions-ignore-padding  model/generation/onnx-decoder.ts
  - BigInt(Math.max(0, past + t - this.pads[b]))
  + BigInt(past + t)
  tests: test/generation/onnx-decoder.test.ts

onnx-decoder-select-keeps-cache  model/generation/onnx-decoder.ts
  - this.cache = { keys: this.cache.keys.map(gather), values: this.cache.values.map(gather), length: this.cache.length };
  + this.cache = { keys: this.cache.keys, values: this.cache.values, length: this.cache.length };
  tests: test/generation/onnx-decoder.test.ts

tokenizer-json-keeps-outer-spaces  data/tokenizer/sentencepiece-to-json.ts
  - steps.push({ type: 'Strip', strip_left: true, strip_right: true });
  + steps.push({ type: 'Strip', strip_left: false, strip_right: true });
  tests: test/data/tokenizer-json.test.ts

# demi serve --runtime onnx
serve-onnx-decodes-on-tfjs  server/worker/generation-worker.ts
  - result = await generate(model.model, prompt, config, { tokenizer, signal: slot.controller.signal, onText, decoder: onnx?.decoder });
  + result = await generate(model.model, prompt, config, { tokenizer, signal: slot.controller.signal, onText });
  tests: test/server/socket-chat.test.ts

onnx-decoder-head-at-first-position  model/transformer/onnx.ts
  - g.int64('const.last_position', [-1])
  + g.int64('const.last_position', [0])
  tests: test/generation/onnx-decoder.test.ts

serve-onnx-cached-positions-shifted  model/generation/onnx-decoder.ts
  - BigInt(Math.max(0, past + t - this.pads[b]))
  + BigInt(Math.max(0, past + t - this.pads[b] + (past > 0 ? 1 : 0)))
  tests: test/server/openai.test.ts
`;

/** @returns {{name: string, area: string, file: string, find: string, replace: string, tests: string[]}[]} */
export function parseMutations(text) {
  const mutations = [];
  let area = '';
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines[0]?.startsWith('# ')) area = lines.shift().slice(2).trim();
    if (lines.length === 0) continue;
    const [head, minus, plus, tests] = lines;
    const [name, file] = head.trim().split(/\s+/);
    const text = (line, sign) => {
      const m = new RegExp(`^\\s*\\${sign} ?(.*)$`).exec(line ?? '');
      if (!m) throw new Error(`mutate: mutation ${name}: expected a line starting with ${sign}, got ${JSON.stringify(line)}`);
      return m[1].replaceAll('\\n', '\n');
    };
    if (!tests?.trim().startsWith('tests:')) throw new Error(`mutate: mutation ${name}: no tests: line`);
    mutations.push({ name, area, file, find: text(minus, '-'), replace: text(plus, '+'), tests: tests.trim().slice(6).trim().split(/\s+/) });
  }
  return mutations;
}

export const MUTATIONS = parseMutations(TABLE);

function parse(argv) {
  const o = { only: [], out: undefined, list: false, baseline: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') o.only.push(argv[++i]);
    else if (a.startsWith('--only=')) o.only.push(a.slice(7));
    else if (a === '--out') o.out = argv[++i];
    else if (a.startsWith('--out=')) o.out = a.slice(6);
    else if (a === '--list') o.list = true;
    else if (a === '--no-baseline') o.baseline = false;
    else throw new Error(`mutate: unknown argument ${a} (--only NAME, --out FILE, --list, --no-baseline)`);
  }
  return o;
}

function occurrences(text, find) {
  let n = 0;
  for (let i = text.indexOf(find); i !== -1; i = text.indexOf(find, i + 1)) n++;
  return n;
}

/** A fresh copy of the working tree with dependencies linked, not copied. */
function copyTree() {
  const dir = mkdtempSync(join(tmpdir(), 'demi-mutant-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0').filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f), { dereference: false });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (existsSync(join(ROOT, NATIVE_BUILD))) {
    mkdirSync(dirname(join(dir, NATIVE_BUILD)), { recursive: true });
    symlinkSync(join(ROOT, NATIVE_BUILD), join(dir, NATIVE_BUILD), 'dir');
  }
  return dir;
}

/** Runs the given jest files in `cwd`; resolves to {status: 'pass'|'fail'|'timeout', seconds, tail}. */
function jest(cwd, tests) {
  return new Promise((done) => {
    const start = Date.now();
    const child = spawn(process.execPath, ['--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js', '--ci', ...tests], {
      cwd, env: { ...process.env, DEMI_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let log = '';
    const keep = (b) => { log = (log + b.toString()).slice(-4000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (Date.now() - start) / 1000;
      const failed = (log.match(/(✕|●) [^\n]*/g) ?? []).filter((l) => !l.includes('Console')).slice(0, 3)
        .map((l) => l.replace(/\s*\(\d+ ms\)$/, ''));
      done({ status: timedOut ? 'timeout' : code === 0 ? 'pass' : 'fail', seconds, failed, tail: log });
    });
  });
}

function table(rows) {
  const head = ['mutation', 'area', 'file', 'tests run', 'result', 'seconds', 'first failing test'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${[r.name, r.area, `\`${r.file}\``, r.tests.map((t) => `\`${t.replace(/^test\//, '')}\``).join(', '), r.result,
      r.seconds === undefined ? '' : r.seconds.toFixed(0), (r.failed ?? '').replace(/\|/g, '\\|')].join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (o.list) {
    for (const m of MUTATIONS) {
      const path = join(ROOT, m.file);
      const count = existsSync(path) ? occurrences(readFileSync(path, 'utf8'), m.find) : 0;
      console.log(`${m.name.padEnd(40)} ${m.file.padEnd(36)} ${count === 1 ? 'ok' : `search text found ${count} times`}`);
    }
    return;
  }
  const unknown = o.only.filter((n) => !MUTATIONS.some((m) => m.name === n));
  if (unknown.length) throw new Error(`mutate: no mutation named ${unknown.join(', ')} (see --list)`);
  const selected = o.only.length ? MUTATIONS.filter((m) => o.only.includes(m.name)) : MUTATIONS;
  const rows = [];
  const runnable = [];
  for (const m of selected) {
    const path = join(ROOT, m.file);
    const count = existsSync(path) ? occurrences(readFileSync(path, 'utf8'), m.find) : -1;
    const missingTests = m.tests.filter((t) => !existsSync(join(ROOT, t)));
    const row = { ...m };
    if (count !== 1) row.result = count === -1 ? 'BROKEN: file missing' : `BROKEN: search text found ${count} times`;
    else if (missingTests.length) row.result = `BROKEN: no test file ${missingTests.join(', ')}`;
    else runnable.push(row);
    rows.push(row);
  }
  const baselineOf = new Map();
  if (o.baseline && runnable.length) {
    const sets = [...new Set(runnable.map((r) => r.tests.join(' ')))];
    const dir = copyTree();
    try {
      for (const s of sets) {
        process.stderr.write(`baseline: ${s} ... `);
        const r = await jest(dir, s.split(' '));
        baselineOf.set(s, r);
        process.stderr.write(`${r.status} (${r.seconds.toFixed(0)} s)\n`);
        if (r.status !== 'pass') process.stderr.write(`${r.tail.slice(-1500)}\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const row of runnable) {
    const base = baselineOf.get(row.tests.join(' '));
    if (base && base.status !== 'pass') {
      row.result = `UNKNOWN: tests ${base.status} without the mutation`;
      row.failed = base.failed[0];
      continue;
    }
    const dir = copyTree();
    try {
      const path = join(dir, row.file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(row.find, () => row.replace));
      process.stderr.write(`${row.name}: ${row.tests.join(' ')} ... `);
      const r = await jest(dir, row.tests);
      row.seconds = r.seconds;
      row.failed = r.failed[0];
      row.result = r.status === 'fail' ? 'caught' : r.status === 'pass' ? '**NOT CAUGHT**' : 'timed out';
      process.stderr.write(`${row.result} (${r.seconds.toFixed(0)} s)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const caught = rows.filter((r) => r.result === 'caught').length;
  const report = `${table(rows)}\n\n${caught} of ${rows.length} mutations caught.\n`;
  console.log(report);
  if (o.out) writeFileSync(o.out, report);
  if (caught !== rows.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
