/**
 * A small, learnable dialogue corpus generated from templates (seeded), for tests that train a
 * model end to end in seconds: the response depends on the context (an object's colour, a city's
 * weather), so both the LM and the DEMI critic have something to learn.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../../core/index.js';

const objects = ['apple', 'sky', 'grass', 'snow', 'coal', 'lemon', 'rose', 'ocean'];
const colours = ['red', 'blue', 'green', 'white', 'black', 'yellow', 'pink', 'teal'];
const cities = ['paris', 'london', 'tokyo', 'cairo', 'oslo', 'lima'];
const weather = ['sunny', 'rainy', 'foggy', 'hot', 'cold', 'windy'];
const greetings = ['hi', 'hello', 'good morning', 'hey'];

export function toyEpisodes(count: number, seed: number): { turns: string[] }[] {
  const rng = new SeededRandom(seed);
  const episodes: { turns: string[] }[] = [];
  for (let i = 0; i < count; i++) {
    const turns: string[] = [];
    const g = greetings[rng.int(greetings.length)];
    turns.push(`${g} there`, `${g} , how can i help ?`);
    if (rng.uniform() < 0.5) {
      const k = rng.int(objects.length);
      turns.push(`what colour is the ${objects[k]} ?`, `the ${objects[k]} is ${colours[k]} .`);
    } else {
      const k = rng.int(cities.length);
      turns.push(`how is the weather in ${cities[k]} ?`, `it is ${weather[k]} in ${cities[k]} today .`);
    }
    turns.push('thanks a lot', 'you are welcome , bye !');
    episodes.push({ turns });
  }
  return episodes;
}

/** Writes train/valid JSONL files and a sentencepiece training text; returns their paths. */
export function writeToyCorpus(dir: string, seed = 1): { train: string; valid: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const train = join(dir, 'train.jsonl');
  const valid = join(dir, 'valid.jsonl');
  const text = join(dir, 'text.txt');
  const trainEpisodes = toyEpisodes(160, seed);
  writeFileSync(train, trainEpisodes.map((e) => JSON.stringify(e)).join('\n'));
  writeFileSync(valid, toyEpisodes(40, seed + 1000).map((e) => JSON.stringify(e)).join('\n'));
  writeFileSync(text, [...new Set(trainEpisodes.flatMap((e) => e.turns))].join('\n'));
  return { train, valid, text };
}
