import { MetricsError } from '../errors.js';
import { corpusBleu, type BleuOptions, type BleuScoreJSON } from './bleu.js';
import {
  averageLength,
  checkHypothesisList,
  distinctN,
  entropyN,
  intraDistinctN,
  replyRepetition,
  wordTokenizationName,
  type ReplyRepetition,
  type WordTokenization,
} from './diversity.js';
import { corpusF1 } from './f1.js';
import { perplexity, type NllStats } from './perplexity.js';

/** What `evaluateCorpus` scores. */
export interface EvaluateCorpusInput {
  /** One generated response per example. */
  hypotheses: readonly string[];
  /** The reference response(s) of each example: `references[i]` belongs to `hypotheses[i]`. */
  references: ReadonlyArray<string | readonly string[]>;
  /**
   * Response-token NLL of the model on the references (teacher forcing), either pooled or one entry
   * per example; perplexity is reported only when given.
   */
  nll?: NllStats | readonly NllStats[];
  options?: EvaluateCorpusOptions;
}

export interface EvaluateCorpusOptions {
  /** BLEU settings; default sacrebleu's (13a, exp smoothing, order 4, mixed case). */
  bleu?: BleuOptions;
  /** Words for distinct-n, entropy-4 and average length; default `'whitespace'` (DialoGPT). */
  tokenization?: WordTokenization;
  /** Named in the report next to perplexity (e.g. `gpt2-bpe`); default `'unstated'`. */
  nllTokenizer?: string;
}

/** A JSON-able evaluation report; every metric says how it was computed. */
export interface EvaluationReport {
  examples: number;
  bleu: BleuScoreJSON & { line: string; scale: '0-100' };
  f1: { f1: number; precision: number; recall: number; exactMatch: number; scale: '0-1'; definition: string };
  distinct: {
    distinct1: number;
    distinct2: number;
    intraDistinct1: number;
    intraDistinct2: number;
    tokenization: string;
    scale: '0-1';
    definition: string;
  };
  entropy: { entropy4: number; unit: 'nats'; tokenization: string; definition: string };
  averageLength: { words: number; tokenization: string };
  /** The 10 most frequent replies and their share: stock replies that distinct-n cannot see. */
  replies: ReplyRepetition;
  perplexity: {
    perplexity: number;
    meanNll: number;
    nllSum: number;
    tokenCount: number;
    tokenizer: string;
    definition: string;
  } | null;
}

const F1_DEFINITION =
  'ParlAI F1Metric: unigram F1 after normalize_answer (lowercase, ASCII punctuation and articles a/an/the removed, ' +
  'whitespace split), multiset overlap, max over references, mean over examples; exactMatch = ParlAI accuracy';
const DISTINCT_DEFINITION =
  'distinct-n = unique n-grams / total n-grams over all hypotheses pooled (corpus-level; DialoGPT calc_diversity, ' +
  'ParlAI interdistinct); intraDistinct-n = mean over hypotheses of the same ratio within each hypothesis (ParlAI intradistinct)';
const ENTROPY_DEFINITION =
  'DialoGPT calc_entropy: -sum_g (c_g/C) ln(c_g/C) over the 4-gram counts c_g of all hypotheses pooled, C = sum c_g';
const PPL_DEFINITION = 'exp(sum of response-token NLL / number of response tokens), pooled over examples';

/**
 * Scores a generated corpus against its references with every metric of docs/ARCHITECTURE.md §7:
 * sacrebleu corpus BLEU, ParlAI F1, corpus distinct-1/2 (plus the per-sentence variant), entropy-4,
 * average length, the share of the most frequent replies, and perplexity when `nll` is given. The result is plain data
 * (`JSON.stringify`-able).
 */
export function evaluateCorpus(input: EvaluateCorpusInput): EvaluationReport {
  if (input === null || typeof input !== 'object') {
    throw new MetricsError('evaluateCorpus needs {hypotheses, references, nll?, options?}');
  }
  const { hypotheses, references, nll } = input;
  const options = input.options ?? {};
  checkHypothesisList(hypotheses, 'evaluateCorpus');
  if (hypotheses.length === 0) {
    throw new MetricsError('evaluateCorpus: no hypotheses to score: pass at least one example');
  }
  if (!Array.isArray(references) || references.length !== hypotheses.length) {
    throw new MetricsError(
      `evaluateCorpus: references must have one entry per hypothesis: got ${Array.isArray(references) ? references.length : typeof references} for ${hypotheses.length} hypotheses`,
    );
  }
  if (Array.isArray(nll) && nll.length !== hypotheses.length) {
    throw new MetricsError(
      `evaluateCorpus: nll has ${nll.length} entries for ${hypotheses.length} hypotheses: pass one per example, or one pooled {nllSum, tokenCount}`,
    );
  }

  const bleu = corpusBleu(hypotheses, references, options.bleu);
  const f1 = corpusF1(hypotheses, references);
  const tokenization = options.tokenization ?? 'whitespace';
  const tokName = wordTokenizationName(tokenization);
  const wordOpts = { tokenization };

  let ppl: EvaluationReport['perplexity'] = null;
  if (nll !== undefined) {
    const p = perplexity(nll);
    ppl = { ...p, tokenizer: options.nllTokenizer ?? 'unstated', definition: PPL_DEFINITION };
  }

  return {
    examples: hypotheses.length,
    bleu: { ...bleu.toJSON(), line: bleu.format(), scale: '0-100' },
    f1: {
      f1: f1.f1,
      precision: f1.precision,
      recall: f1.recall,
      exactMatch: f1.exactMatch,
      scale: '0-1',
      definition: F1_DEFINITION,
    },
    distinct: {
      distinct1: distinctN(hypotheses, 1, wordOpts),
      distinct2: distinctN(hypotheses, 2, wordOpts),
      intraDistinct1: intraDistinctN(hypotheses, 1, wordOpts),
      intraDistinct2: intraDistinctN(hypotheses, 2, wordOpts),
      tokenization: tokName,
      scale: '0-1',
      definition: DISTINCT_DEFINITION,
    },
    entropy: { entropy4: entropyN(hypotheses, 4, wordOpts), unit: 'nats', tokenization: tokName, definition: ENTROPY_DEFINITION },
    averageLength: { words: averageLength(hypotheses, wordOpts), tokenization: tokName },
    replies: replyRepetition(hypotheses, 10),
    perplexity: ppl,
  };
}
