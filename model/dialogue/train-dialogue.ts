/**
 * `demi train dialogue`: corpus -> tokenizer -> encoded examples -> GPT (+ DEMI critic) -> the
 * shared trainer. Everything the run needs to be reproduced is written to the output directory:
 * the resolved config, the tokenizer, the log, checkpoints and the curves.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { episodesToExamples, type Example, type Episode, loadDailyDialog, loadTopicalChat, loadWizardOfWikipedia, readJsonl } from '../../data/dialogue/index.js';
import { loadTokenizer, trainSentencePiece, writeSentencePieceCorpus, type Tokenizer } from '../../data/tokenizer/index.js';
import { log, SeededRandom, ConfigError } from '../../core/index.js';
import { train, withRunDirectory, type TrainingResult } from '../training/index.js';
import { CHECKPOINT_FORMAT, criticHeadLevels, loadDialogueModel, newDialogueModel, tokenizerFileEntry, type DialogueModelConfig } from './checkpoint.js';
import { DEFAULT_SHAPE, type DialogueTrainConfig } from './config.js';
import type { GPT, GPTConfig } from '../transformer/index.js';
import { DemiHeads } from './demi-heads.js';
import { dialogueFormat, encodeTrainingExamples, type EncodedExample, type DialogueFormat } from './format.js';
import { DialogueTask } from './task.js';

export const DAILYDIALOG_LICENSE = 'Trained on DailyDialog (Li et al., 2017), licensed CC BY-NC-SA 4.0: non-commercial use, share alike.';

async function examplesOf(source: DialogueTrainConfig['data']['train'], maxContextTurns?: number): Promise<Example[]> {
  const examples = episodesToExamples(await loadEpisodes(source), { maxContextTurns });
  return source.maxExamples ? examples.slice(0, source.maxExamples) : examples;
}

async function prepareTokenizer(config: DialogueTrainConfig, train: Example[], resume: boolean): Promise<Tokenizer> {
  if (config.tokenizer.path) return loadTokenizer(config.tokenizer.path);
  const prefix = join(config.outDir, 'tokenizer');
  if (!(resume && existsSync(`${prefix}.model`))) {
    const corpus = join(config.outDir, 'tokenizer-corpus.txt');
    const seen = new Set<string>();
    const texts: string[] = [];
    for (const e of train) {
      for (const t of [...e.contextTurns, e.response]) {
        if (!seen.has(t.text)) {
          seen.add(t.text);
          texts.push(t.text);
        }
      }
    }
    await writeSentencePieceCorpus(corpus, texts);
    log.info({ sentences: texts.length, vocabSize: config.tokenizer.vocabSize }, 'training a SentencePiece tokenizer');
    await trainSentencePiece({ corpusFile: corpus, modelPrefix: prefix, vocabSize: config.tokenizer.vocabSize, seed: config.training.seed });
  }
  return loadTokenizer(`${prefix}.model`);
}

export async function trainDialogue(config: DialogueTrainConfig, options: { resume?: boolean; force?: boolean } = {}): Promise<TrainingResult & { unigramPpl: number }> {
  // Before any data is read or downloaded: a wrong --out or --resume should fail in a second.
  return withRunDirectory(config.outDir, { ...options, training: config.training }, () => trainInPreparedDirectory(config, options));
}

async function trainInPreparedDirectory(config: DialogueTrainConfig, options: { resume?: boolean }): Promise<TrainingResult & { unigramPpl: number }> {
  checkSourceFile(config.data.train, 'data.train.path');
  checkSourceFile(config.data.valid, 'data.valid.path');
  mkdirSync(config.outDir, { recursive: true });
  writeFileSync(join(config.outDir, 'config.resolved.json'), `${JSON.stringify(config, null, 2)}\n`);
  const trainExamples = await examplesOf(config.data.train, config.data.maxContextTurns);
  const validExamples = await examplesOf(config.data.valid, config.data.maxContextTurns);
  const { init, ...architecture } = config.model;
  const initial = init ? await startFromCheckpoint(init, config) : null;
  let tokenizer: Tokenizer;
  try {
    // A run that starts from a checkpoint reads text as the checkpoint does, unless told otherwise.
    tokenizer = initial && !config.tokenizer.path ? initial.tokenizer : await prepareTokenizer(config, trainExamples, Boolean(options.resume));
    if (initial && tokenizer.vocabSize > initial.model.config.vocabSize) {
      throw new ConfigError(`tokenizer.path (${config.tokenizer.path}) has ${tokenizer.vocabSize} ids but model.init (${init}) only ${initial.model.config.vocabSize} embeddings`, {
        hint: 'leave tokenizer.path out to use the checkpoint\'s own tokenizer',
      });
    }
  } catch (error) {
    initial?.model.dispose();
    initial?.heads?.dispose();
    throw error;
  }
  const format = dialogueFormat(tokenizer);
  const maxResponseTokens = Math.floor(config.model.blockSize / 2);
  const encode = (examples: Example[]): EncodedExample[] =>
    encodeTrainingExamples(examples, tokenizer, format, { blockSize: config.model.blockSize, maxResponseTokens }).encoded;
  const train_ = encode(trainExamples);
  const valid = encode(validExamples);
  const unigramPpl = unigramPerplexity(train_, valid, tokenizer.vocabSize, format);
  log.info({ train: train_.length, valid: valid.length, vocab: tokenizer.vocabSize, unigramPpl }, 'dialogue examples encoded');
  const built = initial
    ? { model: initial.model, heads: initial.heads }
    : newDialogueModel({ ...DEFAULT_SHAPE, ...architecture, vocabSize: tokenizer.vocabSize, layerNormEpsilon: 1e-5 }, config.objective, config.training.seed);
  const modelConfig: DialogueModelConfig = {
    format: CHECKPOINT_FORMAT, version: 1, model: built.model.config, objective: config.objective,
    tokenizer: { file: tokenizerFileEntry(tokenizer)[0] }, maxResponseTokens,
    ...(config.data.train.corpus === 'dailydialog' ? { license: DAILYDIALOG_LICENSE } : {}),
  };
  const [tokenizerName, tokenizerBytes] = tokenizerFileEntry(tokenizer);
  const task = new DialogueTask({
    model: built.model, heads: built.heads, train: train_, valid, format, objective: config.objective,
    batchSize: config.training.batchSize, seed: config.training.seed,
    checkpointExtras: () => ({ config: modelConfig as unknown as Record<string, unknown>, extraFiles: { [tokenizerName]: tokenizerBytes } }),
  });
  log.info({ parameters: built.model.parameterCount, levels: config.objective.levels, lambda: config.objective.lambda }, 'training dialogue model');
  try {
    const result = await train(task, { ...config.training, outDir: config.outDir }, {
      resume: options.resume, initialRecords: [{ step: 0, kind: 'baseline', unigramPpl }],
    });
    return { ...result, unigramPpl };
  } finally {
    built.model.dispose();
    built.heads?.dispose();
  }
}

/**
 * The model a run with `model.init` starts from: the checkpoint's weights and tokenizer, adapted to the
 * run (its window, its dropout, a critic if it trains one and the checkpoint has none).
 */
async function startFromCheckpoint(init: string, config: DialogueTrainConfig): Promise<{ model: GPT; heads: DemiHeads | null; tokenizer: Tokenizer }> {
  const { blockSize, dropout, newPositions, nLayer, newLayers } = config.model;
  // One stream for what the checkpoint lacks: new position rows first, then new blocks, then a new critic.
  const random = new SeededRandom(config.training.seed);
  const loaded = await loadDialogueModel(init, { blockSize, dropout, newPositions, nLayer, newLayers, random });
  try {
    checkInitShape(init, config.model, loaded.config.model);
  } catch (error) {
    loaded.dispose();
    throw error;
  }
  if (loaded.config.model.blockSize > blockSize) {
    log.info({ init, checkpointBlockSize: loaded.config.model.blockSize, blockSize }, 'training on a shorter window than the checkpoint\'s');
  }
  let heads = loaded.heads;
  if (config.objective.lambda > 0 && !heads) {
    heads = new DemiHeads(loaded.config.model.dModel, config.objective.projectionDim, random, criticHeadLevels(config.objective));
  }
  return { model: loaded.model, heads, tokenizer: loaded.tokenizer };
}

/**
 * A shape given beside `model.init` must be the checkpoint's: the weights fix it, and a run that
 * silently trained another shape than its config says would mislead whoever reads the config.
 */
function checkInitShape(init: string, given: Pick<DialogueTrainConfig['model'], 'nLayer' | 'nHead' | 'dModel'>, checkpoint: GPTConfig): void {
  const conflicts = (['nLayer', 'nHead', 'dModel'] as const).filter((k) => given[k] !== undefined && given[k] !== checkpoint[k]);
  if (conflicts.length > 0) {
    const deeper = conflicts[0] === 'nLayer' && given.nLayer! > checkpoint.nLayer;
    throw new ConfigError(`model.${conflicts[0]} is ${given[conflicts[0]]} but model.init (${init}) has ${checkpoint[conflicts[0]]}`, {
      hint: `with model.init the network's shape is the checkpoint's: leave out ${conflicts.map((k) => `model.${k}`).join(', ')} or give the checkpoint's values`
        + (deeper ? '; to add blocks on top of the trained ones, set model.newLayers to "identity"' : ''),
    });
  }
}

// ---- corpus

/** Reading a configured corpus split into episodes (download or local file). */
export type CorpusSource = DialogueTrainConfig['data']['train'];

/** A configured local corpus file must exist; `field` names where it was given (data.train.path, --data-path). */
export function checkSourceFile(source: Pick<CorpusSource, 'path'>, field: string): void {
  if (source.path !== undefined && !existsSync(source.path)) {
    throw new ConfigError(`${field}: no such file or directory: ${source.path}`, {
      hint: 'check the path, or leave it out to download the published corpus',
    });
  }
}

export async function loadEpisodes(
  source: Pick<CorpusSource, 'corpus' | 'split' | 'path'> & Partial<Pick<CorpusSource, 'text'>>,
  field = 'path',
): Promise<Episode[]> {
  checkSourceFile(source, field);
  switch (source.corpus) {
    case 'dailydialog':
      return loadDailyDialog(source.split as 'train' | 'validation' | 'test', { ...(source.path ? { path: source.path } : {}), text: source.text });
    case 'wizard-of-wikipedia':
      return loadWizardOfWikipedia(source.split as never, source.path ? { path: source.path } : {});
    case 'topical-chat':
      return loadTopicalChat(source.split as never, source.path ? { path: source.path } : {});
    case 'jsonl':
      if (!source.path) throw new ConfigError('a jsonl corpus needs data.<split>.path (a file with one {"turns": [...]} per line)');
      return readJsonl(source.path);
    default:
      throw new ConfigError(`unknown corpus '${(source as { corpus: string }).corpus}'`);
  }
}

// ---- unigram baseline

/**
 * The unigram baseline a dialogue LM must beat: perplexity of the validation responses (and EOS)
 * under token frequencies counted on the training responses, add-one smoothed over the vocabulary.
 */
export function unigramPerplexity(train: readonly EncodedExample[], valid: readonly EncodedExample[], vocabSize: number, format: DialogueFormat): number {
  const counts = new Float64Array(vocabSize).fill(1);
  let total = vocabSize;
  for (const e of train) {
    for (const id of [...e.responseIds, format.eosId]) {
      counts[id] += 1;
      total += 1;
    }
  }
  let nll = 0;
  let tokens = 0;
  for (const e of valid) {
    for (const id of [...e.responseIds, format.eosId]) {
      nll -= Math.log(counts[id] / total);
      tokens += 1;
    }
  }
  return Math.exp(nll / Math.max(tokens, 1));
}
