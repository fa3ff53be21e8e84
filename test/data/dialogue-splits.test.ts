/**
 * Corpus splits (defect 8): an unknown split is a one-line ConfigError naming the valid ones, a split
 * applies to local files too (a folder of split files, or a file that must be that split's), and
 * spreadSample takes a sample over conversations instead of the first turns of a few.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DemiError, SeededRandom } from '../../core/index.js';
import { loadDailyDialog, loadTopicalChat, loadWizardOfWikipedia, spreadSample, TEST_SPLITS } from '../../data/dialogue/index.js';
import { dialogueFixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'demi-splits-'));

test('an unknown split is a ConfigError (a DemiError: one line, no stack) that lists the splits', async () => {
  const err = await loadTopicalChat('test' as never, { path: dialogueFixture('test_freq.json') }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect(err).toBeInstanceOf(DemiError);
  expect((err as Error).message).toMatch(/^Topical-Chat: unknown split "test" \(splits: train, valid_freq, valid_rare, test_freq, test_rare\)/);
});

test('every corpus has a test split that its loader accepts', async () => {
  expect(TEST_SPLITS).toEqual({ dailydialog: 'test', 'topical-chat': 'test_freq', 'wizard-of-wikipedia': 'test_random_split' });
  expect(await loadTopicalChat(TEST_SPLITS['topical-chat'], { path: dialogueFixture('test_freq.json') })).toHaveLength(2);
});

test('a local file published as another split is refused, naming both splits', async () => {
  await expect(loadTopicalChat('train', { path: dialogueFixture('test_freq.json') }))
    .rejects.toThrow(/test_freq\.json is the "test_freq" split, but split "train" was asked for/);
  await expect(loadWizardOfWikipedia('test_random_split', { path: dialogueFixture('valid_random_split.json') }))
    .rejects.toThrow(/is the "valid_random_split" split/);
  await expect(loadDailyDialog('train', { format: 'original', path: dialogueFixture('dialogues_test.txt') }))
    .rejects.toThrow(/dialogues_test\.txt is the "test" split/);
});

test('a folder of split files: the split picks its file', async () => {
  const folder = join(dir, 'topical');
  mkdirSync(folder);
  copyFileSync(dialogueFixture('test_freq.json'), join(folder, 'test_freq.json'));
  expect(await loadTopicalChat('test_freq', { path: folder })).toHaveLength(2);
  await expect(loadTopicalChat('valid_freq', { path: folder })).rejects.toThrow(/valid_freq\.json/);
});

describe('spreadSample', () => {
  // 20 conversations of 15 turns: the first 30 turns are 2 conversations.
  const items = Array.from({ length: 300 }, (_, i) => ({ conversation: Math.floor(i / 15), i }));
  const sample = (n: number, seed = 0) => spreadSample(items, n, (x) => x.conversation, new SeededRandom(seed));

  test('n up to the number of conversations: one from each of n conversations, in corpus order', () => {
    const chosen = sample(15);
    expect(chosen).toHaveLength(15);
    expect(new Set(chosen.map((x) => x.conversation)).size).toBe(15);
    expect(chosen.map((x) => x.i)).toEqual([...chosen.map((x) => x.i)].sort((a, b) => a - b));
    expect(new Set(chosen.map((x) => x.i % 15)).size).toBeGreaterThan(3); // not always the first turn
  });

  test('more than the conversations: every conversation, no item twice, at most one apart in count', () => {
    const chosen = sample(50);
    expect(new Set(chosen.map((x) => x.i)).size).toBe(50);
    const counts = [...Array(20).keys()].map((c) => chosen.filter((x) => x.conversation === c).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(sample(1000)).toHaveLength(300);
  });

  test('seeded: the same seed, the same sample; another seed, another', () => {
    expect(sample(10, 3)).toEqual(sample(10, 3));
    expect(sample(10, 3)).not.toEqual(sample(10, 4));
  });
});
