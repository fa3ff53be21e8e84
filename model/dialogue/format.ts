/**
 * How dialogue text becomes token ids for the LM (docs/ARCHITECTURE.md §5): turns joined by a separator token,
 * the response ended by EOS:
 *   turn_1 <sep> turn_2 <sep> ... turn_n <sep> response <eos>
 * Tokenizers without a separator (GPT-2 / DialoGPT) use EOS between turns, as DialoGPT does.
 */
import type { Tokenizer } from '../../data/tokenizer/index.js';
import { fitContext, type Example } from '../../data/dialogue/index.js';
import { DialogueFormatError } from '../errors.js';

export interface DialogueFormat {
  sepId: number;
  eosId: number;
  padId: number;
}

export function dialogueFormat(tokenizer: Pick<Tokenizer, 'sepId' | 'eosId' | 'padId' | 'file'>): DialogueFormat {
  const sepId = tokenizer.sepId ?? tokenizer.eosId;
  const eosId = tokenizer.eosId ?? tokenizer.sepId;
  if (sepId === undefined || eosId === undefined) {
    throw new DialogueFormatError(`tokenizer ${tokenizer.file} has neither a separator nor an EOS token; train one with a <sep> symbol (demi tokenizer train)`);
  }
  return { sepId, eosId, padId: tokenizer.padId ?? eosId };
}

export interface EncodedExample {
  /** Context turns, each followed by the separator; ends with the separator. */
  contextIds: number[];
  /** Response tokens, without EOS. */
  responseIds: number[];
}

export interface EncodeOptions {
  blockSize: number;
  /** Longest response kept (its tail is cut); default blockSize / 2. */
  maxResponseTokens?: number;
}

/**
 * Context ids for `turns` within `budget` tokens: whole turns dropped from the front; if even the
 * last turn alone is too long, its most recent tokens are kept.
 */
export function encodeContext(turns: readonly string[], tokenizer: Pick<Tokenizer, 'encode'>, format: DialogueFormat, budget: number): number[] {
  const encoded = turns.map((t) => [...tokenizer.encode(t), format.sepId]);
  let kept = fitContext(encoded, (ids) => ids.length, budget);
  if (kept.length === 0 && encoded.length > 0 && budget >= 2) {
    const last = encoded[encoded.length - 1];
    kept = [[...last.slice(0, -1).slice(-(budget - 1)), format.sepId]];
  }
  return kept.flat();
}

export function encodeExample(contextTurns: readonly string[], response: string, tokenizer: Pick<Tokenizer, 'encode'>,
  format: DialogueFormat, options: EncodeOptions): EncodedExample {
  const maxResponse = options.maxResponseTokens ?? Math.floor(options.blockSize / 2);
  const responseIds = tokenizer.encode(response).slice(0, maxResponse);
  // The LM input is context + response + EOS minus its last token: at most blockSize positions.
  const contextIds = encodeContext(contextTurns, tokenizer, format, options.blockSize - responseIds.length);
  return { contextIds, responseIds };
}

/**
 * Examples encoded as training encodes them (each context cut to the room its own response leaves),
 * those with an empty context or response left out; `kept[i]` is the index in `examples` of `encoded[i]`.
 */
export function encodeTrainingExamples(examples: readonly Example[], tokenizer: Pick<Tokenizer, 'encode'>, format: DialogueFormat,
  options: EncodeOptions): { encoded: EncodedExample[]; kept: number[] } {
  const encoded: EncodedExample[] = [];
  const kept: number[] = [];
  examples.forEach((e, i) => {
    const x = encodeExample(e.contextTurns.map((t) => t.text), e.response.text, tokenizer, format, options);
    if (x.contextIds.length === 0 || x.responseIds.length === 0) return;
    encoded.push(x);
    kept.push(i);
  });
  return { encoded, kept };
}
