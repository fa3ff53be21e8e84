/**
 * Dialogue generation metrics (DESIGN §7, reference/dialogue.md §3), each a port of a reference
 * implementation checked against that implementation's own published test values:
 * sacrebleu-compatible corpus and sentence BLEU (0..100), ParlAI unigram F1 (0..1), distinct-n
 * (corpus-level by default, per-sentence average offered), DialoGPT entropy-n (nats), perplexity
 * from response-token NLL, average length, and `evaluateCorpus`, which reports all of them.
 */
export {
  corpusBleu,
  sentenceBleu,
  bleuFromStatistics,
  referencesFromStreams,
  type BleuOptions,
  type BleuReferences,
  type BleuStatistics,
} from './bleu.js';
export { BleuScore, type BleuScoreJSON, type BleuFormatOptions } from './bleu-score.js';
export {
  BleuSignature,
  BLEU_SIGNATURE_VERSION,
  SMOOTH_DEFAULTS,
  type SmoothMethod,
  type BleuSignatureFields,
} from './bleu-signature.js';
export { bleuTokenizer, BLEU_TOKENIZERS, type BleuTokenizerName } from './bleu-tokenizers.js';
export { tokenize13a, tokenizeRegexp } from './tokenizer-13a.js';
export { tokenizeIntl } from './tokenizer-intl.js';
export { normalizeAnswer } from './normalize-answer.js';
export { f1Score, tokenF1, exactMatch, corpusF1, type F1Result, type CorpusF1Result } from './f1.js';
export { distinctN, intraDistinctN, type DistinctOptions } from './distinct.js';
export { entropyN, type EntropyOptions } from './entropy.js';
export { perplexity, perplexityFromTokenNll, sumNll, type NllStats, type PerplexityResult } from './perplexity.js';
export { averageLength } from './length.js';
export { wordTokenizer, type WordTokenization } from './word-tokenize.js';
export {
  evaluateCorpus,
  type EvaluateCorpusInput,
  type EvaluateCorpusOptions,
  type EvaluationReport,
} from './evaluate.js';
export { MetricsError } from '../errors.js';
export { pySplit, pyStrip, pyRstrip, formatFixed } from './python-text.js';
