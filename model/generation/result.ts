/** What `generate` returns per sequence, and the options it takes besides the decoding config. */
import type { SeededRandom } from '../../core/index.js';
import type { TokenDecoder } from './text-stream.js';
import type { DecoderFactory } from './decoder.js';

/**
 * - 'eos': the model produced an EOS id (it is not part of `tokenIds` or `text`);
 * - 'stop': the text contains a stop string (cut from `text`), or no token was allowed any more
 *   (every score -inf, e.g. no-repeat-ngram with a tiny vocabulary);
 * - 'length': `maxNewTokens` generated, or the sequence filled the model's block size;
 * - 'cancelled': the AbortSignal fired.
 */
export type FinishReason = 'stop' | 'length' | 'eos' | 'cancelled';

export interface GenerationResult {
  /** Generated ids: every token the model chose, the EOS excluded; tokens of a stop string included. */
  tokenIds: number[];
  /** Decoded `tokenIds`, cut before the first stop string. */
  text: string;
  finishReason: FinishReason;
  /** Beam search only: the hypothesis score, sum(logprobs) / generatedLength ** lengthPenalty (HF's sequence_scores). */
  score?: number;
  usage: {
    /** Prompt tokens the model saw (after truncation from the front). */
    promptTokens: number;
    /** Tokens generated: `tokenIds.length`, plus 1 when an EOS ended the sequence. */
    completionTokens: number;
  };
  timings: {
    /** From the call to the first token of this sequence (null: cancelled before any token). */
    firstTokenMs: number | null;
    /** From the call to the end of this sequence. */
    totalMs: number;
  };
}

export interface GenerateOptions {
  /** Turns ids into text (data/tokenizer's Tokenizer fits). */
  tokenizer: TokenDecoder;
  /**
   * Streaming: called with each new piece of text of sequence `index` (complete characters only,
   * never part of a stop string); the pieces of a sequence concatenate to its final `text`. Beam
   * search calls it once per sequence at the end (beams reorder, so there is no stable prefix).
   */
  onText?: (delta: string, index: number) => void;
  /** Aborting stops every sequence before its next token (finish reason 'cancelled'). */
  signal?: AbortSignal;
  /**
   * Sampling stream when `config.seed` is not given (each call forks from it, so a server gets
   * different samples per request); without both, seed 0 is used.
   */
  random?: SeededRandom;
  /** Await the event loop between tokens so cancellation and I/O get through (default true). */
  yieldBetweenTokens?: boolean;
  /**
   * Another runtime for the model's forward passes (e.g. onnxruntime: `onnxRuntimeDecoder` in
   * model/generation/onnx-decoder.ts); default the TF.js `Decoder` over the GPT given to `generate`.
   */
  decoder?: DecoderFactory;
}
