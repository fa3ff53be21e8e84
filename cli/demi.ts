/**
 * The `demi` command. Each sub-command lives in its own module and is loaded on demand, so
 * `demi --help` starts fast and a sub-command's dependencies load only when it runs.
 */
import { DemiError } from '../core/index.js';
import { CliError } from './errors.js';

interface Command {
  summary: string;
  /** Resolves to the command; a command may return an exit code. */
  load: () => Promise<(argv: string[]) => Promise<void | number>>;
}

const commands: Record<string, Command> = {
  engine: {
    summary: 'print the selected TF.js backend and the BLAS facts of the native kernels',
    load: async () => (await import('./engine-command.js')).engineCommand,
  },
  tokenizer: {
    summary: 'train a SentencePiece vocabulary (spm_train) on a text file or a dialogue corpus; encode text',
    load: async () => (await import('./tokenizer-command.js')).tokenizerCommand,
  },
  train: {
    summary: 'train a model: demi train dialogue (LM + DEMI) | vision (DIM / DEMI)',
    load: async () => (await import('./train-command.js')).trainCommand,
  },
  probe: {
    summary: 'linear / MLP probes on frozen vision features (conv, fc, Y): a JSON report of accuracies',
    load: async () => (await import('./probe-command.js')).probeCommand,
  },
  export: {
    summary: 'a compact serving copy of a checkpoint (float16 weights, no optimizer state)',
    load: async () => (await import('./export-command.js')).exportCommand,
  },
  generate: {
    summary: 'batch response generation from a corpus split or a JSONL of contexts, to JSONL',
    load: async () => (await import('./generate-command.js')).generateCommand,
  },
  evaluate: {
    summary: 'metrics (BLEU, F1, distinct-1/2, entropy-4, length, perplexity) of a generations JSONL',
    load: async () => (await import('./evaluate-command.js')).evaluateCommand,
  },
  'evaluate-encoder': {
    summary: 'the encoder itself: response retrieval (critic and LM), probes of act / emotion, the MI terms',
    load: async () => (await import('./evaluate-encoder-command.js')).evaluateEncoderCommand,
  },
  serve: {
    summary: 'the chat server: web chat, socket.io, OpenAI-compatible /v1 API (demi serve --model DIR)',
    load: async () => (await import('./serve-command.js')).serveCommand,
  },
  synthetic: {
    summary: 'the synthetic MI experiment: estimated vs true MI for InfoNCE, NWJ, JSD, DV and DEMI',
    load: async () => (await import('./synthetic-command.js')).syntheticCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['usage: demi <command> [options]   (demi <command> --help for its options)', '', 'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const command = commands[name];
  if (!command) throw new CliError(`unknown command '${name}'\n\n${usage()}`);
  const run = await command.load();
  const code = await run(rest);
  if (typeof code === 'number') process.exitCode = code;
}

main(process.argv.slice(2)).catch(async (thrown: unknown) => {
  // only a command that ran the engine can have hit its heap limit, and it has the engine loaded
  const err = thrown instanceof WebAssembly.RuntimeError ? (await import('../model/engine/index.js')).explainEngineFailure(thrown) : thrown;
  // A DemiError is the user's to fix and says how; anything else is a bug, shown with its stack.
  console.error(err instanceof DemiError ? `demi: ${err.message}` : err instanceof Error ? err.stack ?? String(err) : String(err));
  process.exitCode = 1;
});
