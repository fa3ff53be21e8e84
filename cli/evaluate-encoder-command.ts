/**
 * `demi evaluate-encoder --model DIR [--corpus dailydialog] [--split test] [--data-path P] [--output FILE]`:
 * response retrieval (critic and LM), linear probes of the response's dialogue act and emotion from the
 * context's representation, and the chain-rule MI terms on held-out batches (docs/ARCHITECTURE.md §5).
 */
import { writeFileSync } from 'node:fs';
import { SeededRandom } from '../core/index.js';
import { type CorpusText, episodesToExamples, TEST_SPLITS, type Example } from '../data/dialogue/index.js';
import { selectBackend } from '../model/engine/index.js';
import {
  contextRepresentations, encodeForRanking, encodeTrainingExamples, loadDialogueModel, loadEpisodes, miTerms, responseLabelProbes, retrieval,
  type DialogueProbeResult, type EncodedExample, type MiTermsResult, type ProbeFeature, type RetrievalResult,
} from '../model/dialogue/index.js';
import { corpusTextFlag, intFlag, listFlag, parseArgs } from './args.js';
import { CliError } from './errors.js';

const HELP = `usage: demi evaluate-encoder --model DIR [options]
  --model DIR          a dialogue checkpoint (any: models without a critic are ranked and probed through the LM)
  --corpus NAME        dailydialog | jsonl | wizard-of-wikipedia | topical-chat (default dailydialog)
  --split SPLIT        the split evaluated (default: the corpus's test split)
  --train-split SPLIT  the split the probes are trained on (default train)
  --data-path PATH     a local copy of the corpus (as for demi generate); --train-data-path for the probes'
                       split when it is another file (a JSONL corpus)
  --corpus-text T      repaired (default: DailyDialog's "I'Ve" casing undone) | as-published
  --examples N         examples ranked, a seeded sample of the split (default 1000; 0 = all)
  --lm-examples N      of those, how many the LM also ranks (a forward pass per candidate; default 300)
  --candidates LIST    K, the candidates per example, true response included (default 10,100)
  --probe-train N      training examples of the probes, a seeded sample (default 10000)
  --probe-epochs N     the most epochs a probe trains; the count is chosen on a held-out tenth of its
                       training examples (default 20)
  --mi-batch LIST      batch sizes of the MI terms (default: the training batch size if the checkpoint
                       records it, else 32; then 128)
  --no-retrieval, --no-probes, --no-mi   skip a part
  --seed N             sampling of examples and candidates (default 1)
  --batch-size N       forward-pass batch (default 64)
  --output FILE        the report as JSON
  --backend NAME       tensorflow-gpu | tensorflow | native | wasm | cpu`;

const PROBE_TARGETS = ['act', 'emotion'];

export interface EncoderReport {
  model: string;
  corpus: string;
  split: string;
  seed: number;
  retrieval: RetrievalResult[];
  probes: DialogueProbeResult[];
  probeNote?: string;
  mi: MiTermsResult[];
  seconds: number;
  /**
   * Set when a part failed (a wasm heap that fills up in the MI part, say): the parts before it are in
   * the report as measured, written before the error ends the command, so minutes of ranking are kept.
   */
  incomplete?: { part: 'retrieval' | 'probes' | 'mi'; error: string };
}

function sample<T>(items: readonly T[], n: number, seed: number): number[] {
  const order = new SeededRandom(seed).shuffle(Array.from({ length: items.length }, (_, i) => i));
  return n > 0 && n < items.length ? order.slice(0, n) : order;
}

async function examplesOf(corpus: string, split: string, path: string | undefined, text: CorpusText | undefined): Promise<Example[]> {
  const episodes = await loadEpisodes({ corpus: corpus as 'dailydialog', split, path, text }, '--data-path');
  return episodesToExamples(episodes).filter((e) => e.response.text.length > 0);
}

export async function evaluateEncoderCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['model', 'corpus', 'split', 'train-split', 'data-path', 'corpus-text', 'train-data-path', 'examples', 'lm-examples', 'candidates', 'probe-train',
      'probe-epochs', 'mi-batch', 'seed', 'batch-size', 'output', 'backend'],
    switches: ['no-retrieval', 'no-probes', 'no-mi', 'help'],
  });
  if (args.switches.has('help')) {
    console.log(HELP);
    return;
  }
  if (!args.values.model) throw new CliError(`--model is required\n\n${HELP}`);
  const positive = (name: string, fallback: number, min = 1) => {
    const v = intFlag(args, name) ?? fallback;
    if (v < min) throw new CliError(`--${name} must be >= ${min}, got ${v}`);
    return v;
  };
  const candidates = (listFlag(args, 'candidates') ?? ['10', '100']).map((c) => {
    const k = Number(c);
    if (!Number.isInteger(k) || k < 2) throw new CliError(`--candidates takes integers >= 2 (e.g. 10,100), got '${c}'`);
    return k;
  });
  const seed = intFlag(args, 'seed') ?? 1;
  const batchSize = positive('batch-size', 64);
  const corpus = args.values.corpus ?? 'dailydialog';
  const split = args.values.split ?? (TEST_SPLITS as Record<string, string>)[corpus] ?? 'test';
  const corpusText = corpusTextFlag(args.values['corpus-text']);
  await selectBackend(args.values.backend);
  const started = performance.now();
  const say = (message: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`);
  const loaded = await loadDialogueModel(args.values.model);
  const report: EncoderReport = { model: args.values.model, corpus, split, seed, retrieval: [], probes: [], mi: [], seconds: 0 };
  const writeReport = () => {
    report.seconds = (performance.now() - started) / 1000;
    if (args.values.output) writeFileSync(args.values.output, `${JSON.stringify(report, null, 2)}\n`);
  };
  let part: NonNullable<EncoderReport['incomplete']>['part'] = 'retrieval';
  try {
    const examples = await examplesOf(corpus, split, args.values['data-path'], corpusText);
    const ranked = encodeForRanking(loaded, examples);

    if (!args.switches.has('no-retrieval')) {
      const anchors = sample(examples, positive('examples', 1000, 0), seed);
      const lmAnchors = anchors.slice(0, positive('lm-examples', 300, 0));
      const texts = examples.map((e) => e.response.text);
      say(`ranking ${anchors.length} responses among ${candidates.join(' / ')} candidates`
        + `${loaded.heads ? ' by the critic' : ''}, ${lmAnchors.length} of them by the LM too`);
      report.retrieval = retrieval(loaded, ranked, texts, {
        candidates, anchors, lmAnchors: lmAnchors.length, seed, batchSize,
        onAnchor: (done, K) => { if (done % Math.max(1, Math.floor(lmAnchors.length / 5)) === 0) say(`  LM, K = ${K}: ${done}/${lmAnchors.length}`); },
      });
    }

    part = 'probes';
    if (!args.switches.has('no-probes')) {
      const labelled = (list: readonly Example[]) => list.some((e) => PROBE_TARGETS.some((t) => e.response.labels?.[t] !== undefined));
      if (!labelled(examples)) {
        report.probeNote = `the ${corpus} ${split} turns carry no ${PROBE_TARGETS.join(' / ')} annotations: no probes`;
      } else {
        const trainExamples = await examplesOf(corpus, args.values['train-split'] ?? 'train', args.values['train-data-path'] ?? args.values['data-path'], corpusText);
        const trainIndices = sample(trainExamples, positive('probe-train', 10000), seed + 1);
        const trainSet = trainIndices.map((i) => trainExamples[i]);
        say(`probing: representations of ${trainSet.length} training and ${examples.length} ${split} contexts`);
        const features = (encoded: readonly EncodedExample[]) => {
          const r = contextRepresentations(loaded, encoded.map((e) => e.contextIds), batchSize);
          const out: Partial<Record<ProbeFeature, typeof r.hidden>> = { hidden: r.hidden };
          if (r.critic) out.critic = r.critic;
          return out;
        };
        const trainFeatures = features(encodeForRanking(loaded, trainSet));
        const testFeatures = features(ranked);
        say('training the probes');
        report.probes = responseLabelProbes(
          { features: trainFeatures, labels: trainSet.map((e) => e.response.labels) },
          { features: testFeatures, labels: examples.map((e) => e.response.labels) },
          PROBE_TARGETS, { maxEpochs: positive('probe-epochs', 20), seed },
        );
      }
    }

    part = 'mi';
    if (!args.switches.has('no-mi') && loaded.heads && loaded.config.objective.split === 'response') {
      // A run's checkpoint records its training settings; an exported one keeps them under exportedFrom.
      const recorded = loaded.config as { training?: { batchSize?: number }; exportedFrom?: { training?: { batchSize?: number } } };
      const trained = recorded.training?.batchSize ?? recorded.exportedFrom?.training?.batchSize ?? 32;
      const batches = (listFlag(args, 'mi-batch') ?? [String(trained), '128']).map(Number);
      // The MI terms are read where training reads them: each context cut to the room its own response leaves.
      const { encoded } = encodeTrainingExamples(examples, loaded.tokenizer, loaded.format,
        { blockSize: loaded.model.config.blockSize, maxResponseTokens: loaded.config.maxResponseTokens });
      for (const b of [...new Set(batches)]) {
        if (!Number.isInteger(b) || b < 2) throw new CliError(`--mi-batch takes integers >= 2, got ${b}`);
        if (encoded.length < b) continue;
        say(`MI terms in batches of ${b}`);
        report.mi.push(miTerms(loaded, encoded, { batchSize: b, order: 'shuffled' }));
      }
    }
  } catch (error) {
    report.incomplete = { part, error: error instanceof Error ? error.message : String(error) };
    writeReport();
    if (args.values.output) console.error(`demi evaluate-encoder: the ${part} part failed; ${args.values.output} keeps the parts before it`);
    throw error;
  } finally {
    loaded.dispose();
  }
  writeReport();
  console.log(formatEncoderReport(report));
}

const fixed = (x: number | undefined, digits = 3) => (x === undefined ? '-' : x.toFixed(digits));

export function formatEncoderReport(r: EncoderReport): string {
  const lines = [`${r.model} on ${r.corpus} ${r.split}`];
  if (r.retrieval.length > 0) {
    lines.push('', 'retrieval      K  examples  hits@1  hits@5   MRR');
    for (const x of r.retrieval) {
      lines.push(`${x.scorer.padEnd(10)} ${String(x.candidates).padStart(5)} ${String(x.examples).padStart(9)}  ${fixed(x.hitsAt1)}   ${fixed(x.hitsAt5)}  ${fixed(x.mrr)}`);
    }
  }
  if (r.probes.length > 0) {
    lines.push('', 'probe (response label from context)  accuracy  macro-F1   majority acc / F1');
    for (const p of r.probes) {
      lines.push(`${`${p.target} from ${p.feature}`.padEnd(36)} ${fixed(p.accuracy).padStart(8)}  ${fixed(p.macroF1).padStart(8)}   ${fixed(p.majority.accuracy)} / ${fixed(p.majority.macroF1)} (${p.majority.label})`);
    }
  }
  if (r.probeNote) lines.push('', r.probeNote);
  for (const m of r.mi) {
    lines.push('', `MI terms, batches of ${m.batchSize} (${m.batches} batches, shuffled): ${m.terms.map((t) => fixed(t)).join(' + ')}`
      + `; full-pair InfoNCE per level ${m.fullPair.map((t) => fixed(t)).join(', ')}; ESS ${m.ess.map((t) => fixed(t, 1)).join(', ')} of ${m.batchSize - 1}`);
  }
  lines.push('', `${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
