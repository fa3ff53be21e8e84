/**
 * Why the conditional DEMI terms of a dialogue model read what they read (README "DEMI's conditional
 * terms"): the chain-rule terms of one checkpoint re-estimated under controlled changes, one at a time:
 * batch order (episode order, as validation batched before validationBatches, vs shuffled), batch size,
 * training vs validation examples, the conditional critic (as trained: S_k weighted by S_(k-1); the
 * difference S_k - S_(k-1); S_k weighted by the cumulative S_1 + ... + S_(k-1)) and a softer critic
 * (scores halved, as if tau were doubled). Each row also gives the full-pair InfoNCE of every level, the
 * ESS of the importance weights, the share of weight on negatives from the anchor's own dialogue and how
 * often the most-weighted negative outscores the positive.
 *
 *   npx tsx scripts/diagnose-demi.ts --data-path path/to/dailydialog/data.zip [--model models/default]
 *     [--train-examples 1024] [--output runs/diagnosis.md]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { episodesToExamples } from '../data/dialogue/index.js';
import { selectBackend } from '../model/engine/index.js';
import { encodeTrainingExamples, loadDialogueModel, loadEpisodes, miTerms, type EncodedExample, type LoadedDialogueModel, type ConditionalCritic } from '../model/dialogue/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    'data-path': { type: 'string' },
    'train-examples': { type: 'string', default: '1024' },
    output: { type: 'string' },
  },
});

async function encodedSplit(loaded: LoadedDialogueModel, split: string, limit?: number): Promise<{ examples: EncodedExample[]; dialogues: number[] }> {
  const episodes = await loadEpisodes({ corpus: 'dailydialog', split, path: values['data-path'] } as never, '--data-path');
  const byEpisode = episodes.map((episode) => episodesToExamples([episode]));
  const examples = byEpisode.flat();
  const dialogueOf = byEpisode.flatMap((list, d) => list.map(() => d));
  const { encoded, kept } = encodeTrainingExamples(examples, loaded.tokenizer, loaded.format,
    { blockSize: loaded.model.config.blockSize, maxResponseTokens: loaded.config.maxResponseTokens });
  const dialogues = kept.map((i) => dialogueOf[i]);
  return limit ? { examples: encoded.slice(0, limit), dialogues: dialogues.slice(0, limit) } : { examples: encoded, dialogues };
}

await selectBackend();
const loaded = await loadDialogueModel(values.model!);
const validation = await encodedSplit(loaded, 'validation');
const train = await encodedSplit(loaded, 'train', Number(values['train-examples']));
const trainedBatch = (loaded.config as { exportedFrom?: { training?: { batchSize?: number } }; training?: { batchSize?: number } });
const B = trainedBatch.training?.batchSize ?? trainedBatch.exportedFrom?.training?.batchSize ?? 32;

interface Setting { data: string; order: 'episode' | 'shuffled'; batchSize: number; critic: ConditionalCritic; scale: number }
const settings: Setting[] = [
  { data: 'validation', order: 'episode', batchSize: B, critic: 'level', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: B, critic: 'level', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: 128, critic: 'level', scale: 1 },
  { data: 'train', order: 'episode', batchSize: B, critic: 'level', scale: 1 },
  { data: 'train', order: 'shuffled', batchSize: B, critic: 'level', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: B, critic: 'difference', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: 128, critic: 'difference', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: B, critic: 'cumulative', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: 128, critic: 'cumulative', scale: 1 },
  { data: 'validation', order: 'shuffled', batchSize: B, critic: 'level', scale: 0.5 },
];
const f = (xs: number[] | undefined, digits = 2) => (xs ? xs.map((x) => x.toFixed(digits)).join(' / ') : '-');
const rows: string[] = [];
for (const s of settings) {
  const data = s.data === 'train' ? train : validation;
  const started = performance.now();
  const r = miTerms(loaded, data.examples, { batchSize: s.batchSize, order: s.order, critic: s.critic, scoreScale: s.scale, dialogues: data.dialogues });
  console.error(`${s.data} ${s.order} B ${s.batchSize} ${s.critic} x${s.scale}: ${f(r.terms)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const dataLabel = s.data === 'train' ? `train (first ${data.examples.length})` : `validation (${data.examples.length})`;
  rows.push(`| ${dataLabel} | ${s.order} | ${s.batchSize} | ${s.critic}${s.scale !== 1 ? `, scores x ${s.scale}` : ''} | ${f(r.terms)} | ${f(r.fullPair)} | ${f(r.ess, 1)} | ${f(r.sameDialogueWeight)} | ${f(r.topNegativeBeatsPositive)} |`);
}
loaded.dispose();
const table = [
  `Checkpoint ${values.model} (levels ${loaded.config.objective.levels}, tau ${loaded.config.objective.tau}, trained with batches of ${B}); DailyDialog; every figure a mean over the full batches (nats).`,
  '',
  '| examples | batch order | batch | conditional critic | mi_1 / mi_2 / ... | full-pair InfoNCE of S_1 / S_2 / ... | ESS of the weights, terms 2.. | weight on same-dialogue negatives | top-weighted negative beats the positive |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(table);
if (values.output) writeFileSync(values.output, `${table}\n`);
