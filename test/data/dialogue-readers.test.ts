import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatasetFormatError,
  detectEpisodeFileFormat,
  parseDailyDialogText,
  readConvLabUnifiedZip,
  readConvLabUnifiedZipSplits,
  readDailyDialogText,
  repairContractionCasing,
  readEpisodesFile,
  readJsonl,
  readTopicalChat,
  readWizardOfWikipedia,
  writeJsonl,
} from '../../data/dialogue/index.js';
import { dialogueFixture } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demi-dialogue-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tmpFile(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function formatError(p: Promise<unknown>): Promise<DatasetFormatError> {
  const e = await p.then(
    () => {
      throw new Error('expected a DatasetFormatError, got success');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatasetFormatError);
  return e as DatasetFormatError;
}

describe('ConvLab unified zip (DailyDialog)', () => {
  it('reads every split with ids, speakers and detokenised text', async () => {
    const splits = await readConvLabUnifiedZipSplits(dialogueFixture('convlab-data.zip'));
    expect([...splits.keys()]).toEqual(['train', 'validation', 'test']);
    expect(splits.get('train')!.map((e) => e.turns.length)).toEqual([3, 2]);
    const first = splits.get('train')![0];
    expect(first.id).toBe('dailydialog-train-0');
    expect(first.turns[0]).toEqual({
      speaker: 'user', text: 'Say, Jim, how about going for a few beers after dinner?', labels: { act: 'directive', emotion: 'no emotion' },
    });
    expect(first.turns[1].speaker).toBe('system');
    // A turn without a dialogue act keeps its emotion and gets no act.
    expect(first.turns[1].labels).toEqual({ emotion: 'no emotion' });
    const test = await readConvLabUnifiedZip(dialogueFixture('convlab-data.zip'), 'test');
    expect(test.map((e) => e.id)).toEqual(['dailydialog-test-0']);
  });

  it('an unknown split or a zip without dialogues.json is a typed error', async () => {
    const e = await formatError(readConvLabUnifiedZip(dialogueFixture('convlab-data.zip'), 'dev'));
    expect(e.message).toMatch(/no dialogues with data_split "dev".*splits: train, validation, test/);
    await formatError(readConvLabUnifiedZip(dialogueFixture('ijcnlp_dailydialog.zip'), 'train'));
  });
});

describe("ConvLab DailyDialog's contraction casing", () => {
  const published = [
    "I'm glad to see you, too. How'Ve you been?",
    "Perfect. I'II start preparing tomorrow. If we re going to drive, l'II need to fill up the tank.",
    "Sorry, I think I'Il sit out the next dance. I'Ve been dancing all night and you'Ve too.",
    "Hell, I don't care. Just don'T submit a report to your insurancecompany.",
    "Mr. O'Connell bought L'Oreal shampoo on Workers'Day; we'Ve got rock'n'Roll.",
  ];

  it('repairs the capitalised contractions and nothing else by default', async () => {
    const [episode] = await readConvLabUnifiedZip(dialogueFixture('convlab-casing.zip'), 'test');
    expect(episode.turns.map((t) => t.text)).toEqual([
      "I'm glad to see you, too. How've you been?",
      "Perfect. I'll start preparing tomorrow. If we re going to drive, l'll need to fill up the tank.",
      "Sorry, I think I'll sit out the next dance. I've been dancing all night and you've too.",
      "Hell, I don't care. Just don't submit a report to your insurancecompany.",
      // names, a brand, a missing space and rock'n'roll's own capital are not contractions
      "Mr. O'Connell bought L'Oreal shampoo on Workers'Day; we've got rock'n'Roll.",
    ]);
  });

  it("'as-published' keeps every character, through every entry point", async () => {
    const zip = dialogueFixture('convlab-casing.zip');
    expect((await readConvLabUnifiedZip(zip, 'test', { text: 'as-published' }))[0].turns.map((t) => t.text)).toEqual(published);
    expect((await readEpisodesFile(zip, { split: 'test', text: 'as-published' }))[0].turns.map((t) => t.text)).toEqual(published);
    expect((await readEpisodesFile(zip, { split: 'test' }))[0].turns[0].text).toBe("I'm glad to see you, too. How've you been?");
  });

  it('leaves text without the artifact untouched', () => {
    for (const text of ["I've been there, I'll go, don't, can't, O'Neil's car", "VE", "'Ve at the start", "n'T"]) {
      expect(repairContractionCasing(text)).toBe(text === "n'T" ? "n't" : text);
    }
  });
});

describe('DailyDialog original text (__eou__)', () => {
  it('splits lines on __eou__, alternates speakers, skips blank lines, ids like ConvLab original_id', async () => {
    const eps = await readDailyDialogText(dialogueFixture('dialogues_train.txt'));
    expect(eps.map((e) => e.turns.length)).toEqual([3, 2, 4]);
    expect(eps.map((e) => e.id)).toEqual(['train-0', 'train-1', 'train-2']);
    expect(eps[0].turns[0]).toEqual({ speaker: 'A', text: 'Say , Jim , how about going for a few beers after dinner ?' });
    expect(eps[0].turns.map((t) => t.speaker)).toEqual(['A', 'B', 'A']);
  });

  it('malformed lines name the file and the line', () => {
    const cases: [string, RegExp][] = [
      ['ok __eou__ fine __eou__\nno separator here\n', /line 2\): no "__eou__"/],
      ['a __eou__ b __eou__ trailing words\n', /line 1\): text after the last "__eou__"/],
      ['\n\na __eou__  __eou__ c __eou__\n', /line 3\): utterance 2 is empty/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseDailyDialogText(text, 'bad.txt')).toThrow(DatasetFormatError);
      expect(() => parseDailyDialogText(text, 'bad.txt')).toThrow(message);
    }
    let error: unknown;
    try {
      parseDailyDialogText(cases[0][0], 'bad.txt');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect(error).toMatchObject({ file: 'bad.txt', line: 2 });
  });
});

describe('Wizard of Wikipedia (ParlAI JSON)', () => {
  it('reads dialogues, strips the 0_/1_ speaker prefix, drops knowledge fields', async () => {
    const eps = await readWizardOfWikipedia(dialogueFixture('valid_random_split.json'));
    expect(eps).toHaveLength(2);
    expect(eps[0].id).toBe('valid_random_split-0');
    expect(eps[0].turns.map((t) => t.speaker)).toEqual(['Wizard', 'Apprentice', 'Wizard']);
    expect(eps[1].turns[0]).toEqual({
      speaker: 'Apprentice',
      text: 'So I am a lifeguard. Know anything about saving lives in water?',
    });
    expect(Object.keys(eps[0].turns[0])).toEqual(['speaker', 'text']);
    const withTopic = await readWizardOfWikipedia(dialogueFixture('valid_random_split.json'), { includeTopic: true });
    expect(withTopic[0].turns[0]).toEqual({ speaker: 'topic', text: 'Blue' });
  });

  it('a malformed entry names the entry index and its line', async () => {
    const p = tmpFile(
      'wow-bad.json',
      '[\n {"dialog": [{"speaker": "0_Wizard", "text": "hi"}]},\n {"dialog": [{"speaker": "0_Wizard", "text": 5}]}\n]\n',
    );
    const e = await formatError(readWizardOfWikipedia(p));
    expect(e.entry).toBe(1);
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/dialog\.0\.text/);
    const broken = tmpFile('wow-broken.json', '[\n {"dialog": []},\n {"dialog": [}\n]');
    const e2 = await formatError(readWizardOfWikipedia(broken));
    expect(e2.entry).toBe(1);
    expect(e2.message).toMatch(/invalid JSON/);
    await formatError(readWizardOfWikipedia(tmpFile('wow-obj.json', '{"dialog": []}')));
    const truncated = await formatError(readWizardOfWikipedia(tmpFile('wow-trunc.json', '[{"dialog": []}, {"dia')));
    expect(truncated.message).toMatch(/truncated/);
  });
});

describe('Topical-Chat JSON', () => {
  it('reads conversations keyed by id with agents as speakers', async () => {
    const eps = await readTopicalChat(dialogueFixture('test_freq.json'));
    expect(eps.map((e) => e.id)).toEqual(['t_0001', 't_0002']);
    expect(eps[0].turns.map((t) => t.speaker)).toEqual(['agent_1', 'agent_2', 'agent_1']);
    expect(eps[1].turns[0].text).toBe('Do you like dance?'); // trimmed
  });

  it('a malformed conversation names its id; a syntax error names the line', async () => {
    const e = await formatError(readTopicalChat(tmpFile('tc-bad.json', '{"c1": {"content": [{"message": "x"}]}}')));
    expect(e.entry).toBe('c1');
    expect(e.message).toMatch(/content\.0\.agent/);
    const e2 = await formatError(readTopicalChat(tmpFile('tc-syntax.json', '{\n"c1": {\n"content": [,]}}')));
    expect(e2.line).toBe(3);
  });
});

describe('JSONL', () => {
  it('reads string and object turns, ids, unicode; skips blank lines', async () => {
    const eps = await readJsonl(dialogueFixture('episodes.jsonl'));
    expect(eps).toHaveLength(3);
    expect(eps[0]).toEqual({
      id: 'greeting',
      turns: [
        { speaker: 'A', text: 'Hi there!' },
        { speaker: 'B', text: 'Hello! How are you?' },
        { speaker: 'A', text: 'Fine, thanks. And you?' },
      ],
    });
    expect(eps[1].id).toBeUndefined();
    expect(eps[1].turns[1]).toEqual({ speaker: 'bot', text: 'Two blocks north.' });
    expect(eps[2].id).toBe('7');
    expect(eps[2].turns.map((t) => t.speaker)).toEqual(['alice', 'B', 'A']);
    expect(eps[2].turns[0].text).toBe('Unicode: café, 你好, emoji 😀');
  });

  it('malformed lines give the line number', async () => {
    const cases: [string, RegExp][] = [
      ['{"turns": ["a", "b"]}\n{"turns": ["a", \n', /line 2\): invalid JSON/],
      ['\n{"turn": ["a"]}\n', /line 2\): "turns" is missing/],
      ['{"turns": ["a", 3]}\n', /line 1\): turns\[1\] is neither/],
      ['{"turns": [{"speaker": "x"}]}\n', /line 1\): turns\[0\]\.text is missing/],
      ['[1, 2]\n', /line 1\): not a JSON object/],
      ['{"id": {}, "turns": []}\n', /"id" is not a string or number/],
      ['{"turns": [{"text": "a", "labels": {"act": 3}}]}\n', /line 1\): turns\[0\]\.labels is not an object of strings/],
    ];
    for (const [i, [content, message]] of cases.entries()) {
      const e = await formatError(readJsonl(tmpFile(`bad-${i}.jsonl`, content)));
      expect(e.message).toMatch(message);
    }
  });

  it('writeJsonl then readJsonl returns the same episodes', async () => {
    const eps = await readJsonl(dialogueFixture('episodes.jsonl'));
    const out = join(dir, 'roundtrip.jsonl');
    await writeJsonl(out, eps);
    expect(await readJsonl(out)).toEqual(eps);
  });

  it('turn labels (e.g. a dialogue act) are read and written back', async () => {
    const file = tmpFile('labelled.jsonl', '{"turns": [{"text": "where to?", "labels": {"act": "question"}}, "home"]}\n');
    const eps = await readJsonl(file);
    expect(eps[0].turns).toEqual([{ speaker: 'A', text: 'where to?', labels: { act: 'question' } }, { speaker: 'B', text: 'home' }]);
    const out = join(dir, 'labelled-roundtrip.jsonl');
    await writeJsonl(out, eps);
    expect(await readJsonl(out)).toEqual(eps);
  });
});

describe('readEpisodesFile picks the reader', () => {
  it.each([
    ['episodes.jsonl', 'jsonl', 3],
    ['dialogues_train.txt', 'dailydialog-text', 3],
    ['valid_random_split.json', 'wizard-of-wikipedia', 2],
    ['test_freq.json', 'topical-chat', 2],
  ])('%s -> %s', async (name, format, count) => {
    expect(await detectEpisodeFileFormat(dialogueFixture(name))).toBe(format);
    expect(await readEpisodesFile(dialogueFixture(name))).toHaveLength(count);
  });

  it('a ConvLab zip needs a split', async () => {
    expect(await readEpisodesFile(dialogueFixture('convlab-data.zip'), { split: 'validation' })).toHaveLength(1);
    await expect(readEpisodesFile(dialogueFixture('convlab-data.zip'))).rejects.toThrow(/pass options.split/);
  });
});
