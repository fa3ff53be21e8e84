/**
 * `demi serve --model DIR [--host 127.0.0.1] [--port 8080] [--max-queue N] [--workers 1] [--backend NAME] ...`:
 * the chat server (docs/ARCHITECTURE.md §8): the web chat at http://HOST:PORT/, socket.io chat, the OpenAI API
 * under /v1, /health and /metrics. SIGINT / SIGTERM shut it down gracefully (every client is answered), exit 0.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, intFlag, listFlag, numberFlag } from './args.js';
import { CliError } from './errors.js';
import type { ServeRuntime } from '../server/worker/protocol.js';

const HELP = `usage: demi serve --model DIR [options]
  --model DIR          a dialogue checkpoint directory (e.g. runs/<name>/best from demi train dialogue);
                       DEMI_MODEL sets it too; default: the shipped model in models/default
  --host HOST          address to listen on (default 127.0.0.1: this machine only)
  --port N             port (default 8080; 0 picks a free one)
  --workers N          generation worker threads, each with its own copy of the model (default 1);
                       with DEMI_THREADS unset, each runs the engine at cores / (processes x N) threads
  --processes N        server processes sharing the port (node:cluster; default 1), each with its own
                       --workers threads, queue and sessions; a socket.io client stays on one process,
                       HTTP requests go round-robin; /health and /metrics describe the process answering
  --redis URL          join the socket.io cluster of every instance sharing this Redis (redis://host:port;
                       any host, combines with --processes); DEMI_REDIS_URL sets it too, without showing a
                       password in ps. Conversations stay with the clients (the web page resends its turns
                       to an instance that does not know its session), so nothing is lost with an instance
  --max-queue N        requests that may wait for a worker; more get 'overloaded' / HTTP 429 (default 32)
  --max-message-bytes N  longest chat message accepted (default 4096)
  --rerank N           DEMI rerank by default: sample N replies and send the one the model's DEMI critic
                       prefers, whole (default 8 for a model with a critic, else off; 0 turns it off);
                       the web page and the OpenAI route both use it, a request's own rerank overrides it
  --backend NAME       tensorflow-gpu | tensorflow | native | wasm | cpu (default: the fastest available)
  --runtime NAME       tfjs (default) or onnx: decode through onnxruntime-node, on the ONNX graph each worker
                       builds from the checkpoint at start-up (as demi export --format onnx writes it), with
                       its KV cache; same API, streaming, cancel and sampling options; the rerank critic stays
                       on TF.js. onnxruntime uses DEMI_THREADS threads when it is set
  --api-key KEY        require this key: Authorization: Bearer KEY on /v1, auth {apiKey} on socket.io (the
                       web page asks for it); DEMI_API_KEY sets it too, without showing it in ps
  --allowed-hosts A,B  host names the server answers to besides loopback names, IP addresses and --host
                       (.example.com allows its subdomains); other Host headers get 403 (DNS rebinding)
  --max-pending-per-ip N  requests one address may have queued or running, over all its connections (default 8)
  --shutdown-grace S   on SIGTERM / SIGINT, seconds running replies get to finish before they are ended
                       with a shutting_down error (default 10); queued requests are refused at once

open http://HOST:PORT/ for the chat; OpenAI clients use base URL http://HOST:PORT/v1`;

/** The model `npm start` serves: trained by the project (configs/default-model.json), float16. */
export const DEFAULT_MODEL = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'default');

function serveRuntime(name: string): ServeRuntime {
  if (name !== 'tfjs' && name !== 'onnx') throw new CliError(`--runtime must be tfjs or onnx, got '${name}'`);
  return name;
}

export async function serveCommand(argv: string[]): Promise<number | void> {
  const args = parseArgs(argv, {
    values: ['model', 'host', 'port', 'workers', 'processes', 'max-queue', 'max-message-bytes', 'backend', 'runtime', 'api-key', 'allowed-hosts', 'max-pending-per-ip', 'shutdown-grace', 'rerank', 'redis'],
    switches: ['help'],
    command: 'serve',
  });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  if (args.positional.length > 0) throw new CliError(`demi serve takes no positional arguments (got '${args.positional[0]}'); did you mean --model ${args.positional[0]}?`);
  const runtime = args.values.runtime === undefined ? undefined : serveRuntime(args.values.runtime);
  // --model, else DEMI_MODEL (an empty value means none), else the default model shipped in models/default.
  const modelDir = args.values.model ?? process.env.DEMI_MODEL ?? (existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : undefined);
  if (!modelDir) {
    throw new CliError('demi serve needs a model: pass --model DIR with a dialogue checkpoint directory (for example runs/<name>/best, written by demi train dialogue)');
  }
  if (!existsSync(modelDir)) throw new CliError(`no model at ${modelDir}: pass --model with an existing checkpoint directory`);

  // an empty DEMI_API_KEY means none, as an empty DEMI_MODEL does
  const apiKey = args.values['api-key'] ?? (process.env.DEMI_API_KEY || undefined);
  const redis = args.values.redis ?? (process.env.DEMI_REDIS_URL || undefined);
  const grace = numberFlag(args, 'shutdown-grace');
  const rerank = args.values.rerank !== undefined ? intFlag(args, 'rerank') : undefined;
  if (rerank !== undefined && (rerank < 0 || rerank > 16)) throw new CliError(`--rerank must be 0 (off) to 16 candidates, got '${args.values.rerank}'`);
  if (grace !== undefined && grace < 0) throw new CliError(`--shutdown-grace must be 0 or more seconds, got '${args.values['shutdown-grace']}'`);

  const processes = args.values.processes !== undefined ? intFlag(args, 'processes')! : 1;
  if (processes < 1 || processes > 64) throw new CliError(`--processes must be 1 to 64, got '${args.values.processes}'`);

  const { isClusterWorker, runClusterWorker, startClusterPrimary, startServer } = await import('../server/index.js');
  // a ServerOptionsError is a DemiError: demi prints it as a user mistake
  const options = {
    modelDir,
    ...(args.values.host !== undefined ? { host: args.values.host } : {}),
    ...(args.values.port !== undefined ? { port: intFlag(args, 'port') } : {}),
    ...(args.values.workers !== undefined ? { workers: intFlag(args, 'workers') } : {}),
    ...(args.values['max-queue'] !== undefined ? { maxQueue: intFlag(args, 'max-queue') } : {}),
    ...(args.values['max-message-bytes'] !== undefined ? { maxMessageBytes: intFlag(args, 'max-message-bytes') } : {}),
    ...(args.values.backend !== undefined ? { backend: args.values.backend } : {}),
    ...(runtime !== undefined ? { runtime } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(args.values['allowed-hosts'] !== undefined ? { allowedHosts: listFlag(args, 'allowed-hosts') } : {}),
    ...(args.values['max-pending-per-ip'] !== undefined ? { maxPendingPerIp: intFlag(args, 'max-pending-per-ip') } : {}),
    ...(rerank !== undefined ? { rerank } : {}),
    ...(grace !== undefined ? { shutdownGraceMs: Math.round(grace * 1000) } : {}),
    ...(redis !== undefined ? { redis } : {}),
  };
  if (isClusterWorker()) {
    // a process forked by the primary below, running this same command line: the primary reports
    await runClusterWorker({ ...options, processesOnHost: processes });
    return new Promise<never>(() => undefined);
  }
  if (processes > 1) return servePrimary({ processes, host: options.host ?? '127.0.0.1', port: options.port ?? 8080, ...(redis !== undefined ? { redis } : {}) }, modelDir, startClusterPrimary);
  const server = await startServer(options);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.error(`demi serve: ${signal} again, exiting now`);
      process.exit(130);
    }
    stopping = true;
    console.error(`demi serve: ${signal}: finishing running replies, then exiting (press Ctrl-C again to exit at once)`);
    server.close().then(() => process.exit(0), (err: Error) => {
      console.error(`demi serve: shutdown failed: ${err.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  console.log(`demi serve: listening on ${server.url} (loading the model from ${modelDir})`);
  try {
    const info = await server.ready;
    console.log(`demi serve: ready: ${info.id}, ${info.parameters.toLocaleString('en')} parameters, backend ${info.backend.name}${info.runtime.name === 'onnx' ? `, decoding on onnxruntime ${info.runtime.onnxruntime}` : ''}. Chat at ${server.url}/ - OpenAI base URL ${server.url}/v1`);
  } catch (err) {
    await server.close();
    throw new CliError(`the model at ${modelDir} could not be loaded: ${(err as Error).message}`);
  }
  // Keep running until a signal closes the server.
  await new Promise<never>(() => undefined);
}

async function servePrimary(options: Parameters<typeof import('../server/index.js').startClusterPrimary>[0], modelDir: string,
  start: typeof import('../server/index.js').startClusterPrimary): Promise<never> {
  const { processes } = options;
  const cluster = await start(options);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.error(`demi serve: ${signal} again, exiting now`);
      cluster.kill();
      process.exit(130);
    }
    stopping = true;
    console.error(`demi serve: ${signal}: finishing running replies in ${processes} processes, then exiting (press Ctrl-C again to exit at once)`);
    void cluster.close().then((code) => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  console.log(`demi serve: listening on ${cluster.url} with ${processes} processes (loading the model from ${modelDir})`);
  try {
    const ready = await cluster.ready;
    const info = ready[0]!;
    console.log(`demi serve: ready: ${info.id}, ${info.parameters.toLocaleString('en')} parameters, backend ${info.backend}, ${processes} processes (pids ${ready.map((r) => r.pid).join(', ')}). Chat at ${cluster.url}/ - OpenAI base URL ${cluster.url}/v1`);
  } catch (err) {
    stopping = true;
    await cluster.close();
    // a process fails on the model, or on a Redis that went away after the primary's own check
    throw new CliError(`the server processes could not start (model ${modelDir}): ${(err as Error).message}`);
  }
  return new Promise<never>(() => undefined);
}
