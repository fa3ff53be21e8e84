/** Paths of the committed test fixtures (test/fixtures), shared by the data tests. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const DIALOGUE_FIXTURES = join(FIXTURES, 'dialogue');
export const TOKENIZER_FIXTURES = join(FIXTURES, 'tokenizer');
export const dialogueFixture = (name: string): string => join(DIALOGUE_FIXTURES, name);
/** The shipped default model (models/default): its SentencePiece tokenizer is a committed, real one. */
export const DEFAULT_MODEL_DIR = join(FIXTURES, '..', '..', 'models', 'default');
