/**
 * How long a person waits in the web client (`npm run bench:chat`): starts the server on the shipped
 * default model exactly as `npm start` does (default decoding, one worker), opens the chat page in
 * headless Chromium, sends everyday messages one by one, each in a new chat, and times from the Enter
 * key to the first characters of the reply on the page and to the reply being complete.
 * Prints each exchange and the medians; the first message is timed too (nothing is warmed up first).
 *
 *   npm run bench:chat [-- --model DIR] [--rounds N]
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { DEFAULT_MODEL } from '../cli/serve-command.js';
import { startServer } from '../server/index.js';
import { median } from './stats.js';

const MESSAGES = [
  'Hi, how are you doing today?',
  'What are you going to do this weekend?',
  'I want to buy a new pair of shoes.',
  'How much does this jacket cost?',
  'Do you know a good restaurant near here?',
  'I am planning a trip to Paris next month.',
  "Let's go to the movies tonight.",
  'Excuse me, how can I get to the train station?',
];

const { values } = parseArgs({ options: { model: { type: 'string', default: DEFAULT_MODEL }, rounds: { type: 'string', default: '1' } } });
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const server = await startServer({ modelDir: values.model, host: '127.0.0.1', port: 0 });
await server.ready;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('.status-dot[data-state="ready"]');
  const firstText: number[] = [];
  const complete: number[] = [];
  const input = page.getByLabel('Message', { exact: true });
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const message of MESSAGES) {
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.waitForFunction(() => document.querySelectorAll('.message').length === 0);
      await input.fill(message);
      // Timed inside the page: from the key press to the first non-empty reply text, then to "done".
      const timing = page.evaluate(() => new Promise<{ first: number; done: number; text: string }>((resolve) => {
        const start = performance.now();
        let first = -1;
        const observer = new MutationObserver(() => {
          const reply = document.querySelector('.message.bot:last-of-type');
          const text = reply?.querySelector('.bubble')?.textContent?.trim() ?? '';
          if (first < 0 && text.length > 0) first = performance.now() - start;
          if (reply?.getAttribute('data-state') === 'done') {
            observer.disconnect();
            resolve({ first, done: performance.now() - start, text });
          }
        });
        observer.observe(document.getElementById('transcript')!, { subtree: true, childList: true, characterData: true, attributes: true });
      }));
      await input.press('Enter');
      const t = await timing;
      firstText.push(t.first);
      complete.push(t.done);
      console.log(`${t.first.toFixed(0).padStart(5)} ms first text, ${t.done.toFixed(0).padStart(5)} ms complete | ${message} => ${t.text}`);
    }
  }
  console.log(`\n${firstText.length} messages: first text median ${median(firstText).toFixed(0)} ms (max ${Math.max(...firstText).toFixed(0)}), ` +
    `complete reply median ${median(complete).toFixed(0)} ms (max ${Math.max(...complete).toFixed(0)})`);
} finally {
  await browser.close();
  await server.close();
}
