/**
 * Requests per second of `demi serve --processes N` (`npm run bench:serve`): starts the server as a
 * user would (`node bin/demi.mjs serve`, loopback, --port 0) with 1 and then 2 processes, and keeps
 * `--clients` clients busy with non-streaming OpenAI requests (greedy, fixed short prompts) for
 * `--seconds` or `--max-requests`, whichever ends first. Prints a table: requests/s, median and
 * p95 latency, errors.
 *
 *   npm run bench:serve [-- --model DIR] [--clients 8] [--seconds 15] [--max-requests 2000] [--workers 1] [--processes 1,2]
 *
 * Each request comes from its own loopback address (127.0.x.y): the server's per-address rate limit
 * (10 requests/s) and fair share would otherwise measure themselves rather than the server.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL } from '../cli/serve-command.js';
import { median } from './stats.js';

const PROMPTS = ['Hi, how are you doing today?', 'What are you going to do this weekend?', 'How much does this jacket cost?', 'Let\'s go to the movies tonight.'];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_MODEL },
    clients: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '15' },
    'max-requests': { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1' },
    processes: { type: 'string', default: '1,2' },
    'max-tokens': { type: 'string', default: '16' },
  },
});

async function startServe(processes: number) {
  const child = spawn(process.execPath, ['bin/demi.mjs', 'serve', '--model', values.model, '--host', '127.0.0.1', '--port', '0',
    '--processes', String(processes), '--workers', values.workers, '--rerank', '0', '--max-queue', '256'], {
    env: { ...process.env, DEMI_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!/ready:/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`demi serve --processes ${processes} did not get ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
  return { child, exited, port };
}

let nextAddress = 0;
/** One request from a fresh loopback address; resolves with the status (0 when the connection failed). */
function complete(port: number, prompt: string): Promise<number> {
  const n = nextAddress++ % 60_000;
  const localAddress = `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
  const body = JSON.stringify({ messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: Number(values['max-tokens']) });
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, localAddress, method: 'POST', path: '/v1/chat/completions', agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function measure(port: number) {
  const clients = Number(values.clients);
  const maxRequests = Number(values['max-requests']);
  // warm-up: every process's generation threads have run once
  await Promise.all(Array.from({ length: clients }, (_, i) => complete(port, PROMPTS[i % PROMPTS.length]!)));
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const end = t0 + Number(values.seconds) * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (performance.now() < end && started < maxRequests) {
      started++;
      const t = performance.now();
      const status = await complete(port, PROMPTS[(c + started) % PROMPTS.length]!);
      if (status === 200) latencies.push(performance.now() - t);
      else errors++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds, ok: latencies.length, errors, seconds,
    p50: median(latencies), p95: latencies[Math.floor(latencies.length * 0.95)] ?? NaN,
  };
}

const rows: string[] = [];
for (const processes of values.processes.split(',').map(Number)) {
  const server = await startServe(processes);
  try {
    const r = await measure(server.port);
    rows.push(`| ${processes} | ${values.workers} | ${values.clients} | ${r.rps.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.ok} | ${r.errors} | ${r.seconds.toFixed(1)} |`);
    console.error(rows[rows.length - 1]);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}
console.log(`model ${values.model}, greedy, max_tokens ${values['max-tokens']}, non-streaming, loopback`);
console.log('| processes | workers each | clients | requests/s | p50 ms | p95 ms | ok | errors | seconds |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
