/**
 * Minimal flag parsing for the sub-commands: `--name value`, `--flag`, repeated `--set k=v`.
 * Unknown flags are errors, so a typo never silently falls back to a default.
 */
import { CORPUS_TEXTS, type CorpusText } from '../data/dialogue/index.js';
import { CliError } from './errors.js';

export interface FlagSpec {
  /** Flags that take a value. */
  values: string[];
  /** Flags that are switches. */
  switches?: string[];
  /** Flags that may repeat (collected in order). */
  repeated?: string[];
  /** The sub-command, named in the hint of an unknown flag. */
  command?: string;
}

export interface ParsedArgs {
  values: Record<string, string>;
  switches: Set<string>;
  repeated: Record<string, string[]>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { values: {}, switches: new Set(), repeated: {}, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] === '-h' ? '--help' : argv[i];
    if (!arg.startsWith('--')) {
      out.positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const takeValue = () => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new CliError(`--${name} needs a value`);
      return next;
    };
    if (spec.repeated?.includes(name)) (out.repeated[name] ??= []).push(takeValue());
    else if (spec.values.includes(name)) out.values[name] = takeValue();
    else if (spec.switches?.includes(name)) out.switches.add(name);
    else throw new CliError(`unknown option --${name}`, { hint: spec.command ? `see demi ${spec.command} --help` : undefined });
  }
  return out;
}

export function numberFlag(args: ParsedArgs, name: string): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new CliError(`--${name} must be a number, got '${raw}'`);
  return value;
}

export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const value = numberFlag(args, name);
  if (value !== undefined && !Number.isInteger(value)) throw new CliError(`--${name} must be a whole number, got '${args.values[name]}'`);
  return value;
}

/** A comma-separated list flag (`--estimators infonce,demi-4`), blanks dropped. */
export function listFlag(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.values[name];
  return raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** `--corpus-text repaired|as-published` (DailyDialog's contraction casing; data.<split>.text in configs). */
export function corpusTextFlag(raw: string | undefined): CorpusText | undefined {
  if (raw === undefined) return undefined;
  if (!(CORPUS_TEXTS as readonly string[]).includes(raw)) {
    throw new CliError(`--corpus-text must be one of ${CORPUS_TEXTS.join(', ')}, got '${raw}'`);
  }
  return raw as CorpusText;
}
