export { dialogueFormat, encodeExample, encodeContext, encodeTrainingExamples, type DialogueFormat, type EncodedExample, type EncodeOptions } from './format.js';
export { DialogueFormatError } from '../errors.js';
export { makeDialogueBatch, prefixLengths, lastTurn, ExampleBatcher, validationBatches, VALIDATION_ORDER_SEED, type DialogueBatch, type BatcherState } from './batch.js';
export { DemiHeads, F_PROJECTION, G_PROJECTION } from './demi-heads.js';
export { dialogueLoss, criticLevels, responseLevelScores, chainLevels, type ConditionalCritic, type DemiObjectiveConfig, type DialogueLossOutput } from './objective.js';
export { DialogueTask, miTermNames } from './task.js';
export { DialogueTrainConfigSchema, loadDialogueTrainConfig, type DialogueTrainConfig } from './config.js';
export { loadDialogueModel, growPositionTable, newIdentityBlocks, readDialogueCheckpoint, newDialogueModel, tokenizerFileEntry, CHECKPOINT_FORMAT, type LoadedDialogueModel, type DialogueModelConfig, type DialogueCheckpointContents } from './checkpoint.js';
export { trainDialogue, loadEpisodes, unigramPerplexity, DAILYDIALOG_LICENSE } from './train-dialogue.js';
export { referenceNll, type ReferenceNll } from './reference-nll.js';
export { reply, promptFor, criticScores, withDialogueStops, type ReplyOptions } from './reply.js';
export { RerankError } from '../errors.js';
export {
  encodeForRanking, contextRepresentations, responseRepresentations, rankOfTrue, drawDistractors, rankAnchors, criticScorer, lmScorer, retrieval, responseLabelProbes, miTerms,
  type ContextRepresentations, type RetrievalScorer, type RetrievalResult, type CandidateScorer, type RetrievalOptions, type ProbeFeature, type DialogueProbeResult,
  type MiTermsResult,
} from './encoder-evaluation.js';
export { onnxExportFiles, ONNX_MODEL_FILES, type OnnxExportOptions } from './onnx-export.js';
