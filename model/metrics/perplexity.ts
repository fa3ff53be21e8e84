import { MetricsError } from '../errors.js';

/**
 * Perplexity from summed token negative log-likelihoods (natural log):
 *   PPL = exp( sum of token NLL / number of scored tokens )
 * For dialogue the scored tokens are the response tokens (context masked) including the EOS that
 * ends the response, as DialoGPT and ParlAI do; the tokenizer must be stated next to the number,
 * since PPL under different tokenizers is not comparable.
 * Several examples combine as ParlAI's `PPLMetric` does: NLL sums and token counts are added first
 * (a micro average over tokens), never an average of per-example perplexities.
 */

/** Summed NLL (nats) over `tokenCount` scored tokens. */
export interface NllStats {
  nllSum: number;
  tokenCount: number;
}

export interface PerplexityResult {
  /** exp(meanNll). */
  perplexity: number;
  /** nllSum / tokenCount, in nats per token. */
  meanNll: number;
  nllSum: number;
  tokenCount: number;
}

/** Adds up NLL sums and token counts (checking each part). */
export function sumNll(stats: NllStats | readonly NllStats[]): NllStats {
  const parts: readonly NllStats[] = Array.isArray(stats) ? stats : [stats as NllStats];
  let nllSum = 0;
  let tokenCount = 0;
  parts.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || !Number.isFinite(s.nllSum) || !Number.isFinite(s.tokenCount)) {
      throw new MetricsError(`NLL stats ${i} must be {nllSum, tokenCount} with finite numbers, got ${JSON.stringify(s)}`);
    }
    if (s.tokenCount < 0 || !Number.isInteger(s.tokenCount)) {
      throw new MetricsError(`NLL stats ${i}: tokenCount must be a non-negative integer, got ${s.tokenCount}`);
    }
    // -log p >= 0; allow float round-off (e.g. logsumexp - logit slightly below 0), not a sign error.
    if (s.nllSum < -1e-6 * Math.max(1, s.tokenCount)) {
      throw new MetricsError(
        `NLL stats ${i}: nllSum is ${s.nllSum}, but a negative log-likelihood is never negative: pass -log p, summed`,
      );
    }
    nllSum += s.nllSum;
    tokenCount += s.tokenCount;
  });
  return { nllSum, tokenCount };
}

/**
 * Perplexity of summed NLL stats (one, or one per example: they are pooled over tokens).
 * Throws when no token was scored (ParlAI reports 1.0 there, which reads as a perfect model).
 */
export function perplexity(stats: NllStats | readonly NllStats[]): PerplexityResult {
  const { nllSum, tokenCount } = sumNll(stats);
  if (tokenCount === 0) {
    throw new MetricsError('perplexity needs at least one scored token: tokenCount is 0 (check the response mask)');
  }
  const meanNll = nllSum / tokenCount;
  return { perplexity: Math.exp(meanNll), meanNll, nllSum, tokenCount };
}

/** Perplexity of a list of per-token NLL values (nats). */
export function perplexityFromTokenNll(tokenNll: readonly number[]): PerplexityResult {
  if (!Array.isArray(tokenNll)) throw new MetricsError('tokenNll must be an array of numbers');
  let sum = 0;
  for (let i = 0; i < tokenNll.length; i++) {
    const v = tokenNll[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MetricsError(`tokenNll[${i}] is ${v}: every token NLL must be a finite number`);
    }
    sum += v;
  }
  return perplexity({ nllSum: sum, tokenCount: tokenNll.length });
}
