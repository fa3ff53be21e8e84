/**
 * What a dialogue model's encoder learned, measured on the encoder itself rather than through generated
 * text (docs/ARCHITECTURE.md §5), for `demi evaluate-encoder`:
 * - response retrieval as ParlAI reports it: the true response ranked among K - 1 others drawn (seeded)
 *   from the same split, by the critic's score <f(x), g(y)> and by the LM's log-likelihood log p(y | x);
 * - linear probes: the response's annotations (DailyDialog's dialogue act and emotion) predicted from the
 *   frozen representation of the context alone;
 * - the chain-rule MI terms on held-out batches, with the diagnostics that explain their values.
 */
import { tf } from '../engine/index.js';
import { ConfigError, SeededRandom } from '../../core/index.js';
import type { Example } from '../../data/dialogue/index.js';
import { demi, importanceESS, importanceLogWeights, infoNCE } from '../bounds/index.js';
import { majorityBaseline, trainProbe, type FeatureMatrix } from '../probe/index.js';
import type { LoadedDialogueModel } from './checkpoint.js';
import { makeDialogueBatch, validationBatches } from './batch.js';
import { encodeContext, type EncodedExample } from './format.js';
import { chainLevels, responseLevelScores, rowsAt, type ConditionalCritic } from './objective.js';
import { F_PROJECTION, G_PROJECTION } from './demi-heads.js';
import { referenceNll } from './reference-nll.js';

/**
 * Examples encoded for ranking: every candidate response is paired with the same context, cut to the
 * room left by the longest response the model was trained on. Training cuts each context to the room its
 * own response leaves; doing that here would tell a ranker the true response's length.
 */
export function encodeForRanking(loaded: LoadedDialogueModel, examples: readonly Example[]): EncodedExample[] {
  const { tokenizer, format, config } = loaded;
  const budget = loaded.model.config.blockSize - config.maxResponseTokens;
  return examples.map((e) => ({
    contextIds: encodeContext(e.contextTurns.map((t) => t.text), tokenizer, format, budget),
    responseIds: tokenizer.encode(e.response.text).slice(0, config.maxResponseTokens),
  }));
}

// ---- representations

export interface ContextRepresentations {
  /** The LM's last hidden state at the context's last token: every model has it. */
  hidden: FeatureMatrix;
  /** The critic's f(x) (L2-normalised projection), for models trained with a critic. */
  critic: FeatureMatrix | null;
}

function padRows(rows: readonly (readonly number[])[], padId: number): { ids: tf.Tensor2D; ends: number[] } {
  const T = Math.max(...rows.map((r) => r.length));
  const flat = new Int32Array(rows.length * T).fill(padId);
  rows.forEach((r, b) => flat.set(r, b * T));
  return { ids: tf.tensor2d(flat, [rows.length, T], 'int32'), ends: rows.map((r) => r.length - 1) };
}

function matrix(rows: number, dim: number): FeatureMatrix {
  return { data: new Float32Array(rows * dim), rows, dim };
}

export function contextRepresentations(loaded: LoadedDialogueModel, contexts: readonly (readonly number[])[], batchSize = 64): ContextRepresentations {
  const { model, heads, format } = loaded;
  const hidden = matrix(contexts.length, model.config.dModel);
  const critic = heads ? matrix(contexts.length, heads.variables[F_PROJECTION].shape[1]!) : null;
  for (let start = 0; start < contexts.length; start += batchSize) {
    const rows = contexts.slice(start, start + batchSize);
    const outputs = tf.tidy(() => {
      const { ids, ends } = padRows(rows, format.padId);
      const hx = rowsAt(model.hidden(ids), ends);
      return heads ? [hx, heads.f(hx)] : [hx];
    });
    hidden.data.set(outputs[0].dataSync() as Float32Array, start * hidden.dim);
    if (critic) critic.data.set(outputs[1].dataSync() as Float32Array, start * critic.dim);
    tf.dispose(outputs);
  }
  return { hidden, critic };
}

/** The critic's g(y) of whole responses, read where training reads it: [sep, y] at y's last token. */
export function responseRepresentations(loaded: LoadedDialogueModel, responses: readonly (readonly number[])[], batchSize = 64): FeatureMatrix {
  const { model, heads, format } = loaded;
  if (!heads) throw new ConfigError(`${loaded.dir} has no critic (trained with lambda = 0): there is no g(y) to compute`);
  const out = matrix(responses.length, heads.variables[G_PROJECTION].shape[1]!);
  for (let start = 0; start < responses.length; start += batchSize) {
    const rows = responses.slice(start, start + batchSize).map((r) => [format.sepId, ...r]);
    const g = tf.tidy(() => {
      const { ids, ends } = padRows(rows, format.padId);
      return heads.g(rowsAt(model.hidden(ids), ends));
    });
    out.data.set(g.dataSync() as Float32Array, start * out.dim);
    g.dispose();
  }
  return out;
}

// ---- retrieval

/**
 * Where the true candidate lands among scored candidates, as expectations over a uniformly random order
 * of tied scores: a constant scorer then gets exactly chance (hits@1 = 1/K), and a scorer cannot gain by
 * tying. Returns hits@k for each k and the reciprocal rank.
 */
export function rankOfTrue(scores: readonly number[], trueIndex: number, ks: readonly number[]): { hits: number[]; reciprocalRank: number } {
  const target = scores[trueIndex];
  if (!Number.isFinite(target)) throw new ConfigError(`retrieval: the true candidate scored ${target}`, { hint: 'the model or critic produces non-finite scores; check the checkpoint' });
  let greater = 0;
  let tied = 0;
  scores.forEach((s, i) => {
    if (i === trueIndex) return;
    if (s > target) greater++;
    else if (s === target) tied++;
  });
  // The true rank is greater + u with u uniform on 1 .. tied + 1.
  const hits = ks.map((k) => Math.min(1, Math.max(0, (k - greater) / (tied + 1))));
  let reciprocalRank = 0;
  for (let u = 1; u <= tied + 1; u++) reciprocalRank += 1 / (greater + u);
  return { hits, reciprocalRank: reciprocalRank / (tied + 1) };
}

/**
 * K - 1 distractors for `anchor`, drawn uniformly without replacement from the other responses of the
 * split; a response with the anchor's exact text is not a distractor (it would be a second right answer).
 */
export function drawDistractors(texts: readonly string[], anchor: number, count: number, random: SeededRandom): number[] {
  const eligible = texts.length - texts.filter((t) => t === texts[anchor]).length;
  if (eligible < count) {
    throw new ConfigError(`retrieval with ${count + 1} candidates needs ${count} responses that differ from each true one; the split has ${eligible} for one of them`, { hint: 'evaluate on a larger split or use fewer candidates (--candidates)' });
  }
  const chosen = new Set<number>();
  while (chosen.size < count) {
    const j = random.int(texts.length);
    if (j !== anchor && texts[j] !== texts[anchor]) chosen.add(j);
  }
  return [...chosen];
}

export type RetrievalScorer = 'critic' | 'lm';

export interface RetrievalResult {
  scorer: RetrievalScorer;
  candidates: number;
  examples: number;
  hitsAt1: number;
  /** Reported where K >= 10 (hits@5 among fewer is nearly trivial). */
  hitsAt5?: number;
  mrr: number;
}

export interface RetrievalOptions {
  /** Candidate counts K (true response included). */
  candidates: readonly number[];
  /** Indices (into the split) of the examples the critic ranks. */
  anchors: readonly number[];
  /**
   * How many of `anchors` (the first ones) the LM ranks too, a forward pass per candidate; the critic's
   * figures on those same examples are reported beside the LM's. Default: none; all for a model
   * without a critic.
   */
  lmAnchors?: number;
  seed: number;
  batchSize?: number;
  /** Called after each anchor the LM ranks, with the number done for the K being ranked. */
  onAnchor?: (done: number, candidates: number) => void;
}

/** Scores of an anchor's candidates (split indices, the true response first); `a` is the anchor's position. */
export type CandidateScorer = (a: number, anchor: number, candidates: number[]) => number[];

/**
 * hits@1, hits@5 (K >= 10) and MRR of `score` over `anchors`, each ranking its true response among K - 1
 * distractors. The distractors of an anchor depend only on (seed, K, anchor), so every scorer given the
 * same anchors ranks the same candidate sets.
 */
export function rankAnchors(anchors: readonly number[], texts: readonly string[], K: number, seed: number, score: CandidateScorer,
  onAnchor?: (done: number) => void): Omit<RetrievalResult, 'scorer'> {
  const hits = [0, 0];
  let rr = 0;
  anchors.forEach((anchor, a) => {
    const candidates = [anchor, ...drawDistractors(texts, anchor, K - 1, new SeededRandom(seed * 1000003 + K * 7919 + anchor))];
    const ranked = rankOfTrue(score(a, anchor, candidates), 0, [1, 5]);
    ranked.hits.forEach((h, k) => { hits[k] += h; });
    rr += ranked.reciprocalRank;
    onAnchor?.(a + 1);
  });
  const n = anchors.length;
  return { candidates: K, examples: n, hitsAt1: hits[0] / n, ...(K >= 10 ? { hitsAt5: hits[1] / n } : {}), mrr: rr / n };
}

/** The critic's ranking from representations: <f(x_a), g(y_c)> (tau would only scale it). */
export function criticScorer(contexts: FeatureMatrix, responses: FeatureMatrix): CandidateScorer {
  if (contexts.dim !== responses.dim) throw new ConfigError(`critic: f(x) has ${contexts.dim} dimensions, g(y) ${responses.dim}`);
  const dim = responses.dim;
  return (a, _anchor, candidates) => {
    const f = contexts.data.subarray(a * dim, (a + 1) * dim);
    return candidates.map((c) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += f[d] * responses.data[c * dim + d];
      return dot;
    });
  };
}

/** The LM's ranking: log p(y_c | x_anchor), summed over the candidate's tokens and its EOS. */
export function lmScorer(loaded: LoadedDialogueModel, encoded: readonly EncodedExample[], batchSize = 64): CandidateScorer {
  return (_a, anchor, candidates) => {
    const pairs = candidates.map((c) => ({ contextIds: encoded[anchor].contextIds, responseIds: encoded[c].responseIds }));
    return referenceNll(loaded.model, pairs, loaded.format, batchSize).map((r) => -r.nll);
  };
}

/**
 * Retrieval for each K: by the critic over every anchor (models with one), and by the LM over the first
 * `lmAnchors`, with the critic's figures on those same examples beside them.
 */
export function retrieval(loaded: LoadedDialogueModel, encoded: readonly EncodedExample[], texts: readonly string[], o: RetrievalOptions): RetrievalResult[] {
  const lmCount = Math.min(o.lmAnchors ?? (loaded.heads ? 0 : o.anchors.length), o.anchors.length);
  const critic = loaded.heads ? criticScorer(
    contextRepresentations(loaded, o.anchors.map((i) => encoded[i].contextIds), o.batchSize).critic!,
    responseRepresentations(loaded, encoded.map((e) => e.responseIds), o.batchSize),
  ) : null;
  const lm = lmScorer(loaded, encoded, o.batchSize);
  const lmAnchors = o.anchors.slice(0, lmCount);
  const results: RetrievalResult[] = [];
  for (const K of o.candidates) {
    if (critic) results.push({ scorer: 'critic', ...rankAnchors(o.anchors, texts, K, o.seed, critic) });
    if (lmCount === 0) continue;
    if (critic && lmCount < o.anchors.length) results.push({ scorer: 'critic', ...rankAnchors(lmAnchors, texts, K, o.seed, critic) });
    results.push({ scorer: 'lm', ...rankAnchors(lmAnchors, texts, K, o.seed, lm, (done) => o.onAnchor?.(done, K)) });
  }
  return results;
}

// ---- probes

export type ProbeFeature = 'critic' | 'hidden';

export interface DialogueProbeResult {
  /** The response annotation predicted (e.g. act, emotion). */
  target: string;
  feature: ProbeFeature;
  classes: string[];
  trainExamples: number;
  testExamples: number;
  /** Epochs of the final probe, chosen on held-out training examples. */
  epochs: number;
  accuracy: number;
  macroF1: number;
  majority: { label: string; accuracy: number; macroF1: number };
}

/** Rows `indices` of a feature matrix. */
function rowsOf(f: FeatureMatrix, indices: readonly number[]): FeatureMatrix {
  const out = new Float32Array(indices.length * f.dim);
  indices.forEach((r, i) => out.set(f.data.subarray(r * f.dim, (r + 1) * f.dim), i * f.dim));
  return { data: out, rows: indices.length, dim: f.dim };
}

/**
 * Linear probes (multinomial logistic regression, Adam, standardised features) predicting each target
 * annotation of the *response* from the frozen representation of the context, trained on `train` and
 * scored on `test`, beside the majority-class baseline. Examples without the annotation are left out.
 * The number of epochs (1..maxEpochs) is chosen by accuracy on a seeded tenth of `train` held out for
 * it; the probe is then retrained on all of `train` and scored once on `test`.
 */
export function responseLabelProbes(train: { features: Partial<Record<ProbeFeature, FeatureMatrix>>; labels: readonly (Record<string, string> | undefined)[] },
  test: { features: Partial<Record<ProbeFeature, FeatureMatrix>>; labels: readonly (Record<string, string> | undefined)[] },
  targets: readonly string[], options: { maxEpochs: number; seed: number; learningRate?: number }): DialogueProbeResult[] {
  const results: DialogueProbeResult[] = [];
  const order = new SeededRandom(options.seed).shuffle(Array.from({ length: train.labels.length }, (_, i) => i));
  const heldOut = order.slice(0, Math.max(1, Math.floor(order.length / 10)));
  const fit = order.slice(heldOut.length);
  const probe = { kind: 'linear' as const, seed: options.seed, batchSize: 128, learningRate: options.learningRate ?? 1e-2 };
  for (const target of targets) {
    const names = [...new Set([...train.labels, ...test.labels].map((l) => l?.[target]).filter((v): v is string => v !== undefined))].sort();
    if (names.length < 2) continue;
    const index = new Map(names.map((n, i) => [n, i]));
    const encode = (labels: typeof train.labels) => Int32Array.from(labels, (l) => (l?.[target] === undefined ? -1 : index.get(l[target])!));
    const trainLabels = encode(train.labels);
    const testLabels = encode(test.labels);
    const majority = majorityBaseline(trainLabels, testLabels);
    for (const feature of ['critic', 'hidden'] as const) {
      const trainFeatures = train.features[feature];
      const testFeatures = test.features[feature];
      if (!trainFeatures || !testFeatures) continue;
      const selection = trainProbe(rowsOf(trainFeatures, fit), Int32Array.from(fit, (i) => trainLabels[i]),
        rowsOf(trainFeatures, heldOut), Int32Array.from(heldOut, (i) => trainLabels[i]), { ...probe, classes: names.length, epochs: options.maxEpochs });
      const epochs = selection.testAccuracyByEpoch.indexOf(Math.max(...selection.testAccuracyByEpoch)) + 1;
      const r = trainProbe(trainFeatures, trainLabels, testFeatures, testLabels, { ...probe, classes: names.length, epochs });
      results.push({
        target, feature, classes: names, trainExamples: r.trainExamples, testExamples: r.testExamples, epochs,
        accuracy: r.testAccuracy, macroF1: r.testMacroF1,
        majority: { label: names[majority.label], accuracy: majority.testAccuracy, macroF1: majority.testMacroF1 },
      });
    }
  }
  return results;
}

// ---- MI terms


export interface MiTermsResult {
  batchSize: number;
  batches: number;
  order: 'shuffled' | 'episode';
  critic: ConditionalCritic;
  /** Multiplies every score (1 = as trained; 0.5 = a softer critic, as with twice the temperature). */
  scoreScale: number;
  /** terms[0] = I(x; y(1)), terms[k] = I(x; y(k+1) | y(k)), in nats, averaged over batches. */
  terms: number[];
  /** InfoNCE of each level's own score S_k, i.e. the level's full-pair estimate of I(x; y(k)). */
  fullPair: number[];
  /** Mean effective sample size of the importance weights of terms 2..M (of batchSize - 1). */
  ess: number[];
  /** Terms 2..M, with `dialogues`: the share of the importance weight on negatives from the anchor's own dialogue. */
  sameDialogueWeight?: number[];
  /** Terms 2..M, with `dialogues`: the share of rows whose most-weighted negative outscores the positive. */
  topNegativeBeatsPositive?: number[];
}

/**
 * The chain-rule terms of a critic model on `examples` (encoded as in training) in full batches, in a
 * fixed shuffled order (as validation takes them) or in episode order (consecutive turns of a dialogue
 * together, what validation did before validationBatches). `critic` picks the conditional critic of term
 * k >= 2 (objective.conditionalCritic: 'level', 'difference', 'cumulative'); default: the one the model
 * was trained with.
 */
export function miTerms(loaded: LoadedDialogueModel, examples: readonly EncodedExample[], o: {
  batchSize: number; order: 'shuffled' | 'episode'; critic?: ConditionalCritic; scoreScale?: number; levels?: number;
  /** The dialogue of each example: adds the weight diagnostics of MiTermsResult. */
  dialogues?: readonly number[];
}): MiTermsResult {
  const { model, heads, format, config } = loaded;
  if (!heads) throw new ConfigError(`${loaded.dir} has no critic: there are no MI terms to estimate`);
  const objective = config.objective;
  const critic = o.critic ?? objective.conditionalCritic ?? 'level';
  const levels = o.levels ?? objective.levels;
  const scale = o.scoreScale ?? 1;
  const indices = Array.from({ length: examples.length }, (_, i) => i);
  const batches = o.order === 'shuffled'
    ? validationBatches(indices, o.batchSize)
    : Array.from({ length: Math.ceil(indices.length / o.batchSize) }, (_, b) => indices.slice(b * o.batchSize, (b + 1) * o.batchSize));
  const full = batches.filter((b) => b.length === o.batchSize);
  if (full.length === 0) throw new ConfigError(`MI terms need at least one full batch of ${o.batchSize}; there are ${examples.length} examples`);
  const conditional = Math.max(levels - 1, 0);
  const sums = {
    terms: new Array(levels).fill(0), fullPair: new Array(levels).fill(0), ess: new Array(conditional).fill(0),
    sameDialogue: new Array(conditional).fill(0), topBeats: new Array(conditional).fill(0),
  };
  for (const rows of full) {
    const batch = makeDialogueBatch(rows.map((i) => examples[i]), format, levels);
    const { values, weights, phis } = tf.tidy(() => {
      const hidden = model.hidden(tf.tensor2d(batch.ids, [batch.size, batch.T], 'int32'));
      const scores = responseLevelScores(model, heads, hidden, batch, objective.tau).map((s) => tf.mul(s, scale) as tf.Tensor2D);
      const chain = chainLevels(scores, critic) as { scores: tf.Tensor2D; logWeights?: tf.Tensor2D }[];
      const phi = (k: number) => chain[k].scores;
      const logWeightsOf = (k: number) => chain[k].logWeights!;
      const terms = demi(chain).terms;
      const fullPair = scores.map((s) => infoNCE(s));
      const ess = scores.slice(1).map((_, k) => tf.mean(importanceESS(logWeightsOf(k + 1))));
      const values = [...terms, ...fullPair, ...ess].map((t) => t.dataSync()[0]);
      if (!o.dialogues) return { values, weights: [], phis: [] };
      return {
        values,
        weights: scores.slice(1).map((_, k) => tf.exp(importanceLogWeights(logWeightsOf(k + 1))).arraySync() as number[][]),
        phis: scores.slice(1).map((_, k) => phi(k + 1).arraySync() as number[][]),
      };
    });
    values.slice(0, levels).forEach((v, k) => { sums.terms[k] += v; });
    values.slice(levels, 2 * levels).forEach((v, k) => { sums.fullPair[k] += v; });
    values.slice(2 * levels).forEach((v, k) => { sums.ess[k] += v; });
    if (o.dialogues) {
      const dialogue = rows.map((i) => o.dialogues![i]);
      weights.forEach((w, k) => {
        let same = 0;
        let beats = 0;
        w.forEach((row, i) => {
          let top = -1;
          row.forEach((wij, j) => {
            if (j === i) return;
            if (dialogue[j] === dialogue[i]) same += wij;
            if (top < 0 || wij > row[top]) top = j;
          });
          if (phis[k][i][top] > phis[k][i][i]) beats++;
        });
        sums.sameDialogue[k] += same / w.length;
        sums.topBeats[k] += beats / w.length;
      });
    }
  }
  const mean = (xs: number[]) => xs.map((x) => x / full.length);
  return {
    batchSize: o.batchSize, batches: full.length, order: o.order, critic, scoreScale: scale,
    terms: mean(sums.terms), fullPair: mean(sums.fullPair), ess: mean(sums.ess),
    ...(o.dialogues ? { sameDialogueWeight: mean(sums.sameDialogue), topNegativeBeatsPositive: mean(sums.topBeats) } : {}),
  };
}
