/**
 * SentencePiece `.model` tokenizer over @sctg/sentencepiece-js (sentencepiece compiled to
 * WebAssembly). The wasm binding exposes encode/decode only, so the vocabulary, piece types and
 * special ids are read from the model file itself (sentencepiece-model-proto.ts).
 *
 * Decoding follows sentencepiece: control symbols (BOS, EOS, PAD) render as nothing, user-defined
 * symbols (our "<sep>") as their text; `skipSpecialTokens` also drops the separator.
 *
 * Lowercasing: models trained on lowercased text (ALBERT's 30k-clean, shipped with the package)
 * have no uppercase pieces, and would map every capital letter to <unk>. With `lowercase: 'auto'`
 * (the default) input is lowercased exactly when the vocabulary has no uppercase piece.
 */

import { readFile } from 'node:fs/promises';
import { TokenizerInputError, TokenizerLoadError } from '../errors.js';
import { PieceType, type SentencePieceModelInfo, parseSentencePieceModel } from './sentencepiece-model-proto.js';
import { DEFAULT_SEP_TOKEN, type DecodeOptions, type Tokenizer } from './tokenizer.js';

export interface SentencePieceOptions {
  /** The turn separator symbol (a user-defined or control piece). Default "<sep>". */
  sepToken?: string;
  /** Override the BOS / EOS pieces named by the model's trainer spec. */
  bosToken?: string;
  eosToken?: string;
  /** Lowercase input before encoding: true, false, or 'auto' (when the vocabulary has no uppercase). */
  lowercase?: boolean | 'auto';
}

interface WasmProcessor {
  loadFromB64StringModel(b64: string): Promise<void>;
  encodeIds(text: string): number[];
  decodeIds(ids: number[] | Int32Array): string;
}

export class SentencePieceTokenizer implements Tokenizer {
  readonly kind = 'sentencepiece' as const;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly sepId: number | undefined;
  readonly unkId: number | undefined;
  /** Whether encode lowercases its input. */
  readonly lowercase: boolean;
  private readonly pieceIds = new Map<string, number>();
  private readonly special: Set<number>;

  private constructor(
    readonly file: string,
    readonly model: SentencePieceModelInfo,
    private readonly processor: WasmProcessor,
    options: SentencePieceOptions,
  ) {
    const n = model.pieces.length;
    this.vocabSize = n;
    model.pieces.forEach((p, i) => {
      if (!this.pieceIds.has(p.piece)) this.pieceIds.set(p.piece, i);
    });
    const id = (v: number) => (v >= 0 && v < n ? v : undefined);
    // A model trained without BOS/EOS (ALBERT's: bos_id = eos_id = -1) may still have the
    // conventional control pieces; use them as HF's AlbertTokenizer does ([CLS] / [SEP]).
    const control = (names: readonly string[]) => {
      for (const name of names) {
        const i = this.pieceIds.get(name);
        if (i !== undefined && model.pieces[i].type === PieceType.CONTROL) return i;
      }
      return undefined;
    };
    const named = (name: string | undefined, what: string) => {
      if (name === undefined) return undefined;
      const i = this.pieceIds.get(name);
      if (i === undefined) throw new TokenizerLoadError(file, `${what} "${name}" is not a piece of this model`);
      return i;
    };
    this.unkId = id(model.trainer.unkId);
    this.bosId = named(options.bosToken, 'bosToken') ?? id(model.trainer.bosId) ?? control(['<s>', '[CLS]']);
    this.eosId = named(options.eosToken, 'eosToken') ?? id(model.trainer.eosId) ?? control(['</s>', '[SEP]']);
    this.padId = id(model.trainer.padId);
    const sep = this.pieceIds.get(options.sepToken ?? DEFAULT_SEP_TOKEN);
    this.sepId =
      sep !== undefined && (model.pieces[sep].type === PieceType.USER_DEFINED || model.pieces[sep].type === PieceType.CONTROL)
        ? sep
        : undefined;
    const lc = options.lowercase ?? 'auto';
    this.lowercase =
      lc === 'auto'
        ? !model.pieces.some(
            (p) => (p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED) && p.piece !== p.piece.toLowerCase(),
          )
        : lc;
    this.special = new Set<number>();
    model.pieces.forEach((p, i) => {
      if (p.type === PieceType.CONTROL) this.special.add(i);
    });
    if (this.sepId !== undefined) this.special.add(this.sepId);
  }

  /** Loads a `.model` file. */
  static async load(path: string, options: SentencePieceOptions = {}): Promise<SentencePieceTokenizer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new TokenizerLoadError(path, `cannot read the SentencePiece model (${(e as Error).message})`);
    }
    return SentencePieceTokenizer.fromBytes(bytes, path, options);
  }

  /** Loads a model held in memory; `file` names it. */
  static async fromBytes(bytes: Uint8Array, file: string, options: SentencePieceOptions = {}): Promise<SentencePieceTokenizer> {
    const model = parseSentencePieceModel(bytes, file);
    const { SentencePieceProcessor } = await import('@sctg/sentencepiece-js');
    const processor = new SentencePieceProcessor() as unknown as WasmProcessor;
    try {
      await processor.loadFromB64StringModel(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));
    } catch (e) {
      throw new TokenizerLoadError(file, `sentencepiece could not load the model (${(e as Error).message})`);
    }
    const tok = new SentencePieceTokenizer(file, model, processor, options);
    tok.checkLoaded();
    return tok;
  }

  /** sentencepiece-js ignores its load status; make sure the wasm side has our vocabulary. */
  private checkLoaded(): void {
    let probe: number[];
    try {
      const piece = this.model.pieces.findIndex((p) => p.type === PieceType.USER_DEFINED);
      probe = piece >= 0 ? this.processor.encodeIds(this.model.pieces[piece].piece) : [];
      if (piece >= 0 && !probe.includes(piece)) throw new Error(`user-defined piece ${piece} did not encode to itself`);
      this.processor.encodeIds('a');
    } catch (e) {
      throw new TokenizerLoadError(this.file, `sentencepiece did not load the model (${(e as Error).message})`);
    }
  }

  encode(text: string): number[] {
    return this.processor.encodeIds(this.lowercase ? text.toLowerCase() : text);
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new TokenizerInputError(this.file, `id ${id} at position ${i} is outside the vocabulary [0, ${this.vocabSize})`);
      }
    }
    const kept = options.skipSpecialTokens ? ids.filter((id) => !this.special.has(id)) : ids;
    if (kept.length === 0) return '';
    return this.processor.decodeIds(Int32Array.from(kept));
  }

  tokenToId(token: string): number | undefined {
    return this.pieceIds.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.model.pieces[id]?.piece;
  }
}
