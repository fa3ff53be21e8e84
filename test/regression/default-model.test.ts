/**
 * The shipped default model (models/default, float16): it loads, its perplexity on the first 300
 * responses of DailyDialog's test split and on everyday exchanges stays within bounds, and its greedy
 * replies to fixed contexts are pinned. Retraining or changing
 * decoding, the tokenizer or the loader shows up here as a readable diff.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../model/engine/index.js';
import { encodeExample, loadDialogueModel, referenceNll, reply, type LoadedDialogueModel } from '../../model/dialogue/index.js';

const MODEL = join(process.cwd(), 'models', 'default');
/**
 * Perplexity of the shipped model (v3.2) on the exchanges below (6.06; 6.27 for v3.1, 6.54 for v3, 7.37 for v2,
 * 8.17 for the stage-1 model before it). Held to +-1%: the native and the pure-JS wasm kernels (different summation
 * orders) agree to 1e-5 relative here, so 1% leaves room for other CPUs' BLAS paths and still
 * fails a model or loader change that moves it by more than a percent.
 */
const EVERYDAY_PERPLEXITY = 6.0620;
const EVERYDAY_BAND = 0.01;
/**
 * Perplexity on test/fixtures/dialogue/dailydialog-test-sample.jsonl when the model was shipped; held
 * to +-2%, the spread float16 weights and kernel order may add on another x86-64 machine. v3.2, v3.1
 * (33.92) and v3 (34.49) score every reference token up to their 128-token response limit (4541 tokens);
 * v2 (33.55) stopped at 64 (4459). On the 297 references v2 scores whole, v3.1 30.76, v3 31.29 and v2
 * 31.73 (models/default/README.md).
 */
const TEST_SAMPLE_PERPLEXITY = 33.26;

// Everyday exchanges written for this test (not from DailyDialog).
const exchanges: [string[], string][] = [
  [['Hi, how are you doing?'], "I'm fine, thanks. And you?"],
  [['What are you doing this weekend?'], "I'm going to visit my parents."],
  [['Can I help you?'], "Yes, I'm looking for a sweater."],
  [['How much is this shirt?'], "It's twenty dollars."],
  [['Excuse me, where is the bank?'], "It's next to the post office."],
  [['Would you like some coffee?'], 'Yes, please. Thank you.'],
  [['What time is it?'], "It's half past three."],
  [['Do you want to see a movie tonight?'], "Sure, that's a good idea."],
  [['I would like to book a room.'], 'For how many nights?'],
  [['How was your trip to London?'], 'It was great. I had a lot of fun.'],
];

let loaded: LoadedDialogueModel;

beforeAll(async () => {
  await selectBackend();
  if (!existsSync(MODEL)) throw new Error(`the default model is missing at ${MODEL}`);
  loaded = await loadDialogueModel(MODEL);
});

afterAll(() => loaded?.dispose());

test('the default model is a DEMI-trained dialogue checkpoint with its license note', () => {
  expect(loaded.config.format).toBe('demi-dialogue');
  expect(loaded.config.license).toMatch(/CC BY-NC-SA 4\.0/);
  expect(loaded.heads).not.toBeNull();
  expect(loaded.model.parameterCount).toBeGreaterThan(1_000_000);
});

test('perplexity on the first 300 responses of the DailyDialog test split stays within bounds', () => {
  const sample = readFileSync(join(process.cwd(), 'test', 'fixtures', 'dialogue', 'dailydialog-test-sample.jsonl'), 'utf8')
    .trim().split('\n').map((l) => JSON.parse(l) as { context: string[]; reference: string });
  const encoded = sample.map(({ context, reference }) => encodeExample(context, reference, loaded.tokenizer, loaded.format,
    { blockSize: loaded.model.config.blockSize, maxResponseTokens: loaded.config.maxResponseTokens }));
  const scores = referenceNll(loaded.model, encoded, loaded.format);
  const perplexity = Math.exp(scores.reduce((s, x) => s + x.nll, 0) / scores.reduce((s, x) => s + x.tokens, 0));
  expect(perplexity).toBeGreaterThan(TEST_SAMPLE_PERPLEXITY * 0.98);
  expect(perplexity).toBeLessThan(TEST_SAMPLE_PERPLEXITY * 1.02);
});

test('perplexity on everyday exchanges stays within bounds', () => {
  const encoded = exchanges.map(([context, response]) => encodeExample(context, response, loaded.tokenizer, loaded.format,
    { blockSize: loaded.model.config.blockSize, maxResponseTokens: loaded.config.maxResponseTokens }));
  const scores = referenceNll(loaded.model, encoded, loaded.format);
  const nll = scores.reduce((s, x) => s + x.nll, 0);
  const tokens = scores.reduce((s, x) => s + x.tokens, 0);
  const perplexity = Math.exp(nll / tokens);
  expect(perplexity).toBeGreaterThan(EVERYDAY_PERPLEXITY * (1 - EVERYDAY_BAND));
  expect(perplexity).toBeLessThan(EVERYDAY_PERPLEXITY * (1 + EVERYDAY_BAND));
});

test('greedy replies are pinned', async () => {
  const results = await reply(loaded, exchanges.slice(0, 5).map(([context]) => context), { maxNewTokens: 24 });
  expect(results.map((r, i) => `${exchanges[i][0][0]} => ${r.text}`)).toMatchSnapshot();
});
