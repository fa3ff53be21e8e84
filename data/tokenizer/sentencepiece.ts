/**
 * SentencePiece `.model` tokenizer over @sctg/sentencepiece-js (sentencepiece compiled to
 * WebAssembly). The wasm binding exposes encode/decode only, so the vocabulary, piece types and
 * special ids are read from the model file itself: a minimal protobuf wire-format reader of the parts
 * of the serialized ModelProto (sentencepiece's sentencepiece_model.proto) that sentencepiece-js does
 * not expose, the pieces with their types and the special ids from the trainer spec.
 *
 * Decoding follows sentencepiece: control symbols (BOS, EOS, PAD) render as nothing, user-defined
 * symbols (our "<sep>") as their text; `skipSpecialTokens` also drops the separator.
 *
 * Lowercasing: models trained on lowercased text (ALBERT's 30k-clean, shipped with the package)
 * have no uppercase pieces, and would map every capital letter to <unk>. With `lowercase: 'auto'`
 * (the default) input is lowercased exactly when the vocabulary has no uppercase piece.
 */

import { readFile } from 'node:fs/promises';
import { TokenizerLoadError } from '../errors.js';
import { BaseTokenizer, DEFAULT_SEP_TOKEN } from './tokenizer.js';

// ---- the .model file (ModelProto)

export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiecePiece {
  piece: string;
  score: number;
  type: number;
}

export interface SentencePieceModelInfo {
  pieces: SentencePiecePiece[];
  /** TrainerSpec: model_type 1 unigram, 2 bpe, 3 word, 4 char; ids -1 when disabled. */
  trainer: {
    modelType: number; vocabSize?: number; unkId: number; bosId: number; eosId: number; padId: number;
    /** Characters outside the vocabulary become their UTF-8 byte pieces instead of <unk>. */
    byteFallback: boolean;
    /** ▁ ends a piece instead of starting one. */
    treatWhitespaceAsSuffix: boolean;
  };
  normalizer: {
    name?: string; addDummyPrefix: boolean;
    /** Leading and trailing whitespace dropped, inner runs collapsed to one space. */
    removeExtraWhitespaces: boolean;
    /** The compiled normalization rules (e.g. nmt_nfkc's), as stored in the model. */
    precompiledCharsmap?: Uint8Array;
  };
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly file: string,
  ) {
    this.pos = start;
  }
  fail(what: string): never {
    throw new TokenizerLoadError(this.file, `not a SentencePiece model (${what} at byte ${this.pos}); pass a .model file written by spm_train`);
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }
  /** Returns [fieldNumber, wireType], or undefined at the end. */
  tag(): [number, number] | undefined {
    if (this.pos >= this.end) return undefined;
    const t = Number(this.varint());
    return [t >>> 3, t & 7];
  }
  bytes(): [number, number] {
    const len = Number(this.varint());
    const start = this.pos;
    if (start + len > this.end) this.fail('length-delimited field runs past its message');
    this.pos += len;
    return [start, start + len];
  }
  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) {
      if (this.pos + 8 > this.end) this.fail('truncated fixed64');
      this.pos += 8;
    } else if (wire === 2) this.bytes();
    else if (wire === 5) {
      if (this.pos + 4 > this.end) this.fail('truncated fixed32');
      this.pos += 4;
    } else this.fail(`unsupported wire type ${wire}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModelInfo {
  const top = new Reader(bytes, 0, bytes.length, file);
  const info: SentencePieceModelInfo = {
    pieces: [],
    trainer: { modelType: 1, unkId: 0, bosId: 1, eosId: 2, padId: -1, byteFallback: false, treatWhitespaceAsSuffix: false },
    normalizer: { addDummyPrefix: true, removeExtraWhitespaces: true },
  };
  let sawTrainer = false;
  for (let t = top.tag(); t; t = top.tag()) {
    const [field, wire] = t;
    if (wire !== 2 || (field !== 1 && field !== 2 && field !== 3)) {
      top.skip(wire);
      continue;
    }
    const [s, e] = top.bytes();
    const r = new Reader(bytes, s, e, file);
    if (field === 1) {
      const p: SentencePiecePiece = { piece: '', score: 0, type: PieceType.NORMAL };
      for (let u = r.tag(); u; u = r.tag()) {
        const [f, w] = u;
        if (f === 1 && w === 2) {
          const [a, b] = r.bytes();
          try {
            p.piece = utf8.decode(bytes.subarray(a, b));
          } catch {
            r.fail('a piece is not valid UTF-8');
          }
        } else if (f === 2 && w === 5) p.score = r.fixed32();
        else if (f === 3 && w === 0) p.type = Number(r.varint());
        else r.skip(w);
      }
      info.pieces.push(p);
    } else if (field === 2) {
      sawTrainer = true;
      for (let u = r.tag(); u; u = r.tag()) {
        const [f, w] = u;
        if (w !== 0) {
          r.skip(w);
          continue;
        }
        const v = Number(BigInt.asIntN(32, r.varint()));
        if (f === 3) info.trainer.modelType = v;
        else if (f === 4) info.trainer.vocabSize = v;
        else if (f === 40) info.trainer.unkId = v;
        else if (f === 41) info.trainer.bosId = v;
        else if (f === 42) info.trainer.eosId = v;
        else if (f === 43) info.trainer.padId = v;
        else if (f === 35) info.trainer.byteFallback = v !== 0;
        else if (f === 24) info.trainer.treatWhitespaceAsSuffix = v !== 0;
      }
    } else {
      for (let u = r.tag(); u; u = r.tag()) {
        const [f, w] = u;
        if (f === 1 && w === 2) {
          const [a, b] = r.bytes();
          info.normalizer.name = new TextDecoder().decode(bytes.subarray(a, b));
        } else if (f === 2 && w === 2) {
          const [a, b] = r.bytes();
          info.normalizer.precompiledCharsmap = bytes.slice(a, b);
        } else if (f === 3 && w === 0) info.normalizer.addDummyPrefix = r.varint() !== 0n;
        else if (f === 4 && w === 0) info.normalizer.removeExtraWhitespaces = r.varint() !== 0n;
        else r.skip(w);
      }
    }
  }
  if (info.pieces.length === 0) top.fail('no pieces');
  if (!sawTrainer) top.fail('no trainer spec');
  const n = info.pieces.length;
  for (const [name, id] of Object.entries({ unk: info.trainer.unkId, bos: info.trainer.bosId, eos: info.trainer.eosId, pad: info.trainer.padId })) {
    if (id >= n) top.fail(`${name}_id ${id} is outside the ${n} pieces`);
  }
  return info;
}

// ---- the tokenizer

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

export class SentencePieceTokenizer extends BaseTokenizer {
  readonly kind = 'sentencepiece' as const;
  /** Whether encode lowercases its input. */
  readonly lowercase: boolean;
  private readonly pieceIds: Map<string, number>;

  private constructor(
    file: string,
    readonly model: SentencePieceModelInfo,
    private readonly processor: WasmProcessor,
    options: SentencePieceOptions,
  ) {
    const n = model.pieces.length;
    const pieceIds = new Map<string, number>();
    model.pieces.forEach((p, i) => {
      if (!pieceIds.has(p.piece)) pieceIds.set(p.piece, i);
    });
    const id = (v: number) => (v >= 0 && v < n ? v : undefined);
    // A model trained without BOS/EOS (ALBERT's: bos_id = eos_id = -1) may still have the
    // conventional control pieces; use them as HF's AlbertTokenizer does ([CLS] / [SEP]).
    const control = (names: readonly string[]) => {
      for (const name of names) {
        const i = pieceIds.get(name);
        if (i !== undefined && model.pieces[i].type === PieceType.CONTROL) return i;
      }
      return undefined;
    };
    const named = (name: string | undefined, what: string) => {
      if (name === undefined) return undefined;
      const i = pieceIds.get(name);
      if (i === undefined) throw new TokenizerLoadError(file, `${what} "${name}" is not a piece of this model`);
      return i;
    };
    const unkId = id(model.trainer.unkId);
    const bosId = named(options.bosToken, 'bosToken') ?? id(model.trainer.bosId) ?? control(['<s>', '[CLS]']);
    const eosId = named(options.eosToken, 'eosToken') ?? id(model.trainer.eosId) ?? control(['</s>', '[SEP]']);
    const padId = id(model.trainer.padId);
    const sep = pieceIds.get(options.sepToken ?? DEFAULT_SEP_TOKEN);
    const sepId =
      sep !== undefined && (model.pieces[sep].type === PieceType.USER_DEFINED || model.pieces[sep].type === PieceType.CONTROL)
        ? sep
        : undefined;
    const special = new Set<number>();
    model.pieces.forEach((p, i) => {
      if (p.type === PieceType.CONTROL) special.add(i);
    });
    if (sepId !== undefined) special.add(sepId);
    super(file, n, { bosId, eosId, padId, sepId, unkId }, special);
    this.pieceIds = pieceIds;
    const lc = options.lowercase ?? 'auto';
    this.lowercase =
      lc === 'auto'
        ? !model.pieces.some(
            (p) => (p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED) && p.piece !== p.piece.toLowerCase(),
          )
        : lc;
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

  protected decodeKnown(ids: number[]): string {
    return this.processor.decodeIds(Int32Array.from(ids));
  }

  tokenToId(token: string): number | undefined {
    return this.pieceIds.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.model.pieces[id]?.piece;
  }
}
