/**
 * Hugging Face `tokenizer.json` tokenizer over transformers.js (@huggingface/transformers).
 *
 * The tokenizer is built from the local files directly (`new PreTrainedTokenizer(tokenizerJSON,
 * tokenizerConfig)`, or the subclass named by `tokenizer_class`), so nothing is fetched and no
 * hub directory layout is needed; a sibling `tokenizer_config.json` is read when present.
 *
 * Special tokens: from the options, else from tokenizer_config.json, else from the special added
 * tokens under their usual names (<s>, </s>, <|endoftext|>, <pad>, <sep>, [SEP], ...). Unlike
 * transformers.js, PAD does not silently fall back to EOS: padId is undefined when there is no pad.
 */

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TokenizerInputError, TokenizerLoadError } from '../errors.js';
import { BaseTokenizer } from './tokenizer.js';

export interface SpecialTokenNames {
  bos?: string | null;
  eos?: string | null;
  pad?: string | null;
  sep?: string | null;
  unk?: string | null;
}

export interface HfTokenizerOptions {
  /** Token strings to use as special tokens (null: none), overriding the config and the guesses. */
  specialTokens?: SpecialTokenNames;
  /** tokenizer_config.json path; default: next to tokenizer.json if it exists; null: none. */
  configPath?: string | null;
}

const GUESSES: Record<keyof SpecialTokenNames, readonly string[]> = {
  bos: ['<s>', '<|startoftext|>', '<bos>', '<|begin_of_text|>'],
  eos: ['</s>', '<|endoftext|>', '<eos>', '<|end_of_text|>'],
  pad: ['<pad>', '[PAD]', '<|pad|>'],
  sep: ['<sep>', '[SEP]', '<|sep|>'],
  unk: ['<unk>', '[UNK]', '<|unk|>'],
};

interface TransformersTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): (number | undefined)[];
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  all_special_ids: number[];
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

function configToken(config: Record<string, unknown>, key: string): string | null | undefined {
  if (!Object.hasOwn(config, key)) return undefined;
  const v = config[key];
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return undefined;
}

export class HfTokenizer extends BaseTokenizer {
  readonly kind = 'hf-tokenizer-json' as const;
  private readonly vocab: Map<string, number>;
  private readonly byId = new Map<number, string>();

  private constructor(
    file: string,
    private readonly tok: TransformersTokenizer,
    json: Record<string, unknown>,
    config: Record<string, unknown>,
    options: HfTokenizerOptions,
  ) {
    const vocab = new Map<string, number>();
    const special = new Set<number>();
    const model = json.model as Record<string, unknown>;
    const v = model.vocab;
    if (Array.isArray(v)) {
      v.forEach((entry, i) => vocab.set(String((entry as unknown[])[0]), i)); // Unigram: [piece, score][]
    } else if (typeof v === 'object' && v !== null) {
      for (const [piece, id] of Object.entries(v as Record<string, number>)) vocab.set(piece, id);
    }
    const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []) as AddedToken[];
    for (const t of added) {
      vocab.set(t.content, t.id);
      if (t.special) special.add(t.id);
    }
    let max = -1;
    for (const id of vocab.values()) if (id > max) max = id;
    if (max < 0) throw new TokenizerLoadError(file, 'the tokenizer has an empty vocabulary');
    for (const id of tok.all_special_ids) special.add(id);

    const resolve = (key: keyof SpecialTokenNames): number | undefined => {
      const explicit = options.specialTokens?.[key];
      const fromConfig = configToken(config, `${key}_token`);
      const name = explicit !== undefined ? explicit : fromConfig;
      if (name === null) return undefined;
      if (name !== undefined) {
        const id = vocab.get(name);
        if (id === undefined) {
          throw new TokenizerLoadError(file, `${key} token "${name}" is not in the vocabulary`);
        }
        return id;
      }
      for (const guess of GUESSES[key]) {
        const t = added.find((a) => a.content === guess && a.special);
        if (t) return t.id;
      }
      return undefined;
    };
    const ids = { bosId: resolve('bos'), eosId: resolve('eos'), padId: resolve('pad'), sepId: resolve('sep'), unkId: resolve('unk') };
    for (const id of [ids.bosId, ids.eosId, ids.padId, ids.sepId]) if (id !== undefined) special.add(id);
    super(file, max + 1, ids, special);
    this.vocab = vocab;
    for (const [piece, id] of vocab) if (!this.byId.has(id)) this.byId.set(id, piece);
  }

  /** Loads a tokenizer.json (and the tokenizer_config.json beside it, if any). */
  static async load(path: string, options: HfTokenizerOptions = {}): Promise<HfTokenizer> {
    const readJson = async (p: string, what: string): Promise<Record<string, unknown>> => {
      let text: string;
      try {
        text = await readFile(p, 'utf8');
      } catch (e) {
        throw new TokenizerLoadError(p, `cannot read ${what} (${(e as Error).message})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new TokenizerLoadError(p, `${what} is not valid JSON (${(e as Error).message})`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new TokenizerLoadError(p, `${what} is not a JSON object`);
      }
      return json as Record<string, unknown>;
    };
    const json = await readJson(path, 'tokenizer.json');
    if (typeof json.model !== 'object' || json.model === null || typeof (json.model as { type?: unknown }).type !== 'string') {
      throw new TokenizerLoadError(path, 'no "model" with a "type": not a Hugging Face tokenizer.json');
    }
    let config: Record<string, unknown> = {};
    const configPath = options.configPath === undefined ? join(dirname(path), 'tokenizer_config.json') : options.configPath;
    if (configPath !== null) {
      const exists = await readFile(configPath, 'utf8').then(
        () => true,
        () => false,
      );
      if (exists) config = await readJson(configPath, 'tokenizer_config.json');
      else if (options.configPath) throw new TokenizerLoadError(configPath, 'tokenizer_config.json not found');
    }

    const transformers = (await import('@huggingface/transformers')) as unknown as Record<string, unknown> & {
      PreTrainedTokenizer: new (json: unknown, config: unknown) => TransformersTokenizer;
    };
    const className = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : undefined;
    const candidate = className ? transformers[className] : undefined;
    const Cls =
      typeof candidate === 'function' &&
      (candidate === transformers.PreTrainedTokenizer || candidate.prototype instanceof transformers.PreTrainedTokenizer)
        ? (candidate as typeof transformers.PreTrainedTokenizer)
        : transformers.PreTrainedTokenizer;
    let tok: TransformersTokenizer;
    try {
      tok = new Cls(json, config);
    } catch (e) {
      throw new TokenizerLoadError(path, `transformers.js could not build the tokenizer (${(e as Error).message})`);
    }
    return new HfTokenizer(path, tok, json, config, options);
  }

  encode(text: string): number[] {
    const ids = this.tok.encode(text, { add_special_tokens: false });
    const out: number[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === undefined) {
        // transformers.js leaves out-of-vocabulary words of a WordLevel model undefined
        if (this.unkId === undefined) {
          throw new TokenizerInputError(this.file, `cannot encode part of "${text.slice(0, 40)}": no id and no unk token`);
        }
        out[i] = this.unkId;
      } else out[i] = id;
    }
    return out;
  }

  protected decodeKnown(ids: number[]): string {
    return this.tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.byId.get(id);
  }
}
