/**
 * `demi serve --model DIR [--host 127.0.0.1] [--port 8080] [--max-queue N] [--workers 1] [--backend NAME]`:
 * the chat server (docs/ARCHITECTURE.md §8): the web chat at http://HOST:PORT/, socket.io chat, the OpenAI API
 * under /v1, /health and /metrics. SIGINT / SIGTERM shut it down gracefully.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, intFlag } from './args.js';
import { CliError } from './errors.js';

const HELP = `usage: demi serve --model DIR [options]
  --model DIR          a dialogue checkpoint directory (e.g. runs/<name>/best from demi train dialogue);
                       DEMI_MODEL sets it too; default: the shipped model in models/default
  --host HOST          address to listen on (default 127.0.0.1: this machine only)
  --port N             port (default 8080; 0 picks a free one)
  --workers N          generation worker threads, each with its own copy of the model (default 1)
  --max-queue N        requests that may wait for a worker; more get 'overloaded' / HTTP 429 (default 32)
  --max-message-bytes N  longest chat message accepted (default 4096)
  --backend NAME       tensorflow-gpu | tensorflow | native | wasm | cpu (default: the fastest available)

open http://HOST:PORT/ for the chat; OpenAI clients use base URL http://HOST:PORT/v1`;

/** The model `npm start` serves: trained by the project (configs/default-model.json), float16. */
export const DEFAULT_MODEL = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'default');

export async function serveCommand(argv: string[]): Promise<number | void> {
  const args = parseArgs(argv, { values: ['model', 'host', 'port', 'workers', 'max-queue', 'max-message-bytes', 'backend'], switches: ['help'] });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  if (args.positional.length > 0) throw new CliError(`demi serve takes no positional arguments (got '${args.positional[0]}'); did you mean --model ${args.positional[0]}?`);
  // --model, else DEMI_MODEL (an empty value means none), else the default model shipped in models/default.
  const modelDir = args.values.model ?? process.env.DEMI_MODEL ?? (existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : undefined);
  if (!modelDir) {
    throw new CliError('demi serve needs a model: pass --model DIR with a dialogue checkpoint directory (for example runs/<name>/best, written by demi train dialogue)');
  }
  if (!existsSync(modelDir)) throw new CliError(`no model at ${modelDir}: pass --model with an existing checkpoint directory`);

  const { startServer } = await import('../server/index.js');
  // a ServerOptionsError is a DemiError: demi prints it as a user mistake
  const server = await startServer({
    modelDir,
    ...(args.values.host !== undefined ? { host: args.values.host } : {}),
    ...(args.values.port !== undefined ? { port: intFlag(args, 'port') } : {}),
    ...(args.values.workers !== undefined ? { workers: intFlag(args, 'workers') } : {}),
    ...(args.values['max-queue'] !== undefined ? { maxQueue: intFlag(args, 'max-queue') } : {}),
    ...(args.values['max-message-bytes'] !== undefined ? { maxMessageBytes: intFlag(args, 'max-message-bytes') } : {}),
    ...(args.values.backend !== undefined ? { backend: args.values.backend } : {}),
  });

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
    console.log(`demi serve: ready: ${info.id}, ${info.parameters.toLocaleString('en')} parameters, backend ${info.backend.name}. Chat at ${server.url}/ - OpenAI base URL ${server.url}/v1`);
  } catch (err) {
    await server.close();
    throw new CliError(`the model at ${modelDir} could not be loaded: ${(err as Error).message}`);
  }
  // Keep running until a signal closes the server.
  await new Promise<never>(() => undefined);
}
