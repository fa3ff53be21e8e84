/**
 * Reads the parts of a SentencePiece `.model` file (a serialized ModelProto, see sentencepiece's
 * sentencepiece_model.proto) that sentencepiece-js does not expose: the pieces with their types,
 * and the special ids from the trainer spec. A minimal protobuf wire-format reader.
 */

import { TokenizerLoadError } from '../errors.js';

export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiecePiece {
  piece: string;
  score: number;
  type: number;
}

export interface SentencePieceModelInfo {
  pieces: SentencePiecePiece[];
  /** TrainerSpec: model_type 1 unigram, 2 bpe, 3 word, 4 char; ids -1 when disabled. */
  trainer: { modelType: number; vocabSize?: number; unkId: number; bosId: number; eosId: number; padId: number };
  normalizer: { name?: string; addDummyPrefix: boolean };
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
    trainer: { modelType: 1, unkId: 0, bosId: 1, eosId: 2, padId: -1 },
    normalizer: { addDummyPrefix: true },
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
      }
    } else {
      for (let u = r.tag(); u; u = r.tag()) {
        const [f, w] = u;
        if (f === 1 && w === 2) {
          const [a, b] = r.bytes();
          info.normalizer.name = new TextDecoder().decode(bytes.subarray(a, b));
        } else if (f === 3 && w === 0) info.normalizer.addDummyPrefix = r.varint() !== 0n;
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
