/**
 * Dialogue generation metrics (docs/ARCHITECTURE.md §7), each a port of a reference implementation
 * (sacrebleu 2.x `metrics/bleu.py`, ParlAI `parlai/core/metrics.py`, DialoGPT `dstc/metrics.py`)
 * checked against that implementation's own published test values: sacrebleu-compatible corpus and
 * sentence BLEU (0..100), ParlAI unigram F1 (0..1), distinct-n (corpus-level by default,
 * per-sentence average offered), DialoGPT entropy-n (nats), perplexity from response-token NLL,
 * average length, and `evaluateCorpus`, which reports all of them.
 */
export {
  corpusBleu,
  sentenceBleu,
  bleuFromStatistics,
  referencesFromStreams,
  type BleuOptions,
  type BleuReferences,
  type BleuStatistics,
  BleuScore,
  type BleuScoreJSON,
  type BleuFormatOptions,
  BleuSignature,
  BLEU_SIGNATURE_VERSION,
  SMOOTH_DEFAULTS,
  type SmoothMethod,
  type BleuSignatureFields,
} from './bleu.js';
export { bleuTokenizer, BLEU_TOKENIZERS, type BleuTokenizerName, tokenize13a, tokenizeRegexp, tokenizeIntl } from './bleu-tokenizers.js';
export { normalizeAnswer, f1Score, tokenF1, exactMatch, corpusF1, type F1Result, type CorpusF1Result } from './f1.js';
export {
  distinctN,
  intraDistinctN,
  type DistinctOptions,
  entropyN,
  type EntropyOptions,
  averageLength,
  replyRepetition,
  type ReplyRepetition,
  type RepeatedReply,
  wordTokenizer,
  type WordTokenization,
} from './diversity.js';
export { perplexity, perplexityFromTokenNll, sumNll, type NllStats, type PerplexityResult } from './perplexity.js';
export {
  evaluateCorpus,
  type EvaluateCorpusInput,
  type EvaluateCorpusOptions,
  type EvaluationReport,
} from './evaluate.js';
export { MetricsError } from '../errors.js';
export { pySplit, pyStrip, pyRstrip, formatFixed } from './python-text.js';
