/**
 * The web chat end to end in headless Chromium (Debian's chromium via playwright-core): a typed
 * message gets a streamed reply (several DOM updates before it completes, equal to the API's reply
 * for the same seed), the stop button cancels, "New chat" starts over, the model info and the data
 * licence are shown, the page fits a phone, and a server with an API key gets it asked for once and
 * kept. Screenshots (desktop and phone) are written to
 * DEMI_SCREENSHOT_DIR (default: <tmp>/demi-client-screenshots) for a person to look at.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/index.js';
import { testModelDir } from '../server/model-fixture.js';
import { startTestServer } from '../server/helpers.js';
import { eventually, launchChromium, SHOTS } from './browser.js';

const LICENSE = 'Trained on DailyDialog (Li et al., 2017), licensed CC BY-NC-SA 4.0: non-commercial use, share alike.';

let server: RunningServer;
let keyed: RunningServer;
let browser: Browser;
const KEY = 'sk-page-test-42';

beforeAll(async () => {
  // The test model with a licence note, as a DailyDialog-trained checkpoint carries.
  const modelDir = join(mkdtempSync(join(tmpdir(), 'demi-client-model-')), 'dailydialog-best');
  cpSync(await testModelDir(), modelDir, { recursive: true });
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
  writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ ...config, license: LICENSE }));
  [server, keyed, browser] = await Promise.all([
    // rerank: undefined: the server's own default (the test helper turns it off), as `demi serve` runs
    startTestServer({ modelDir, rerank: undefined }),
    startTestServer({ apiKey: KEY }),
    launchChromium(),
  ]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), keyed?.close()]);
});

async function openPage(viewport: { width: number; height: number }, mobile = false): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: mobile ? 2 : 1, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(server.url);
  await page.waitForSelector('.status-dot[data-state="ready"]');
  return { page, errors };
}

/** Counts text updates of the reply bubble before it completes (proof that it streamed). */
async function watchStreaming(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { updates: number; updatesBeforeDone: number };
    w.updates = 0;
    w.updatesBeforeDone = -1;
    new MutationObserver(() => {
      const reply = document.querySelector('.message.bot:last-of-type');
      if (!reply) return;
      if (reply.getAttribute('data-state') === 'streaming') w.updates++;
      if (reply.getAttribute('data-state') === 'done' && w.updatesBeforeDone < 0) w.updatesBeforeDone = w.updates;
    }).observe(document.getElementById('transcript')!, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

async function apiReply(messages: { role: string; content: string }[], seed: number, maxTokens: number, rerank?: number): Promise<string> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    // explicit: the server's default reranks, the page's settings may not
    body: JSON.stringify({ messages, seed, temperature: 0.7, top_p: 0.9, max_tokens: maxTokens, rerank: rerank ?? 0 }),
  });
  return (await response.json()).choices[0].message.content;
}

test('a typed message gets a streamed reply; stop and new chat work', async () => {
  const { page, errors } = await openPage({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Seed').fill('7');
  await page.getByLabel('Max tokens').fill('40');
  await eventually('the model facts are shown', async () => (await page.locator('#model-facts').textContent())!.includes('dailydialog-best'));
  // Word-by-word streaming is what the critic's choice gives up: turn it off (it is on by default).
  await page.getByLabel('Let the DEMI critic choose').uncheck();
  expect(await page.locator('#license').textContent()).toBe(LICENSE);
  expect(await page.locator('#license-note').isVisible()).toBe(true);

  await watchStreaming(page);
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('hi there');
  await input.press('Enter');
  expect(await page.locator('.message.user .bubble').textContent()).toBe('hi there');
  const reply = page.locator('.message.bot').last();
  await reply.and(page.locator('[data-state="done"]')).waitFor();
  const text = (await reply.locator('.bubble').textContent())!.trim();
  expect(text.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { updatesBeforeDone: number }).updatesBeforeDone)).toBeGreaterThan(1);
  expect(text).toBe((await apiReply([{ role: 'user', content: 'hi there' }], 7, 40)).trim());
  expect(await page.getByRole('log').getAttribute('aria-live')).toBe('polite');
  expect(await reply.getAttribute('aria-busy')).toBeNull();

  // A second turn continues the same conversation (the session keeps the history).
  await input.fill('what colour is the apple ?');
  await input.press('Enter');
  await page.locator('.message.bot[data-state="done"]').nth(1).waitFor();
  const second = (await page.locator('.message.bot .bubble').nth(1).textContent())!.trim();
  expect(second).toBe((await apiReply([{ role: 'user', content: 'hi there' }, { role: 'assistant', content: text }, { role: 'user', content: 'what colour is the apple ?' }], 7, 40)).trim());
  await page.screenshot({ path: join(SHOTS, 'desktop-chat.png') });

  // Stop: with the worker held by a long request, the page's request waits; Stop cancels it.
  const blocker = fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 200, min_tokens: 200 }),
  });
  await new Promise((r) => setTimeout(r, 30));
  await input.fill('are you there ?');
  await input.press('Enter');
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.locator('.message.bot[data-state="cancelled"]').waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor();
  await blocker;

  // New chat clears the page and the server-side history.
  await page.getByRole('button', { name: 'New chat' }).click();
  await eventually('the transcript is empty', async () => (await page.locator('.message').count()) === 0);
  expect(await page.locator('#welcome').isVisible()).toBe(true);
  await page.getByRole('button', { name: 'Close settings' }).click();
  await page.screenshot({ path: join(SHOTS, 'desktop-empty.png') });
  expect(errors).toEqual([]);
  await page.context().close();
}, 60_000);

test('"Let the DEMI critic choose" asks for a reranked reply, shown whole', async () => {
  const { page, errors } = await openPage({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Seed').fill('7');
  await page.getByLabel('Max tokens').fill('40');
  await eventually('the model facts are shown', async () => (await page.locator('#model-facts').textContent())!.includes('dailydialog-best'));
  const rerank = page.getByLabel('Let the DEMI critic choose');
  expect(await rerank.isEnabled()).toBe(true); // the test model has a critic
  expect(await rerank.isChecked()).toBe(true); // on by default for a model with a critic
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('hi there');
  await input.press('Enter');
  await page.locator('.message.bot[data-state="done"]').waitFor();
  const text = (await page.locator('.message.bot .bubble').last().textContent())!.trim();
  expect(text).toBe((await apiReply([{ role: 'user', content: 'hi there' }], 7, 40, 8)).trim());
  expect(errors).toEqual([]);
  await page.context().close();
}, 60_000);

test('the page is readable on a phone', async () => {
  const { page, errors } = await openPage({ width: 390, height: 844 }, true);
  await page.getByRole('button', { name: 'Can you recommend a good restaurant?' }).click();
  await page.locator('.message.bot[data-state="done"]').waitFor();
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('hi there');
  await input.press('Enter');
  await page.locator('.message.bot[data-state="done"]').nth(1).waitFor();
  // Nothing wider than the screen; the composer is on screen; text is not tiny.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const composer = await page.locator('#composer').boundingBox();
  expect(composer!.y + composer!.height).toBeLessThanOrEqual(844);
  expect(await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.bubble')!).fontSize))).toBeGreaterThanOrEqual(16);
  await page.screenshot({ path: join(SHOTS, 'phone-chat.png') });
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByLabel('Temperature').waitFor();
  await page.screenshot({ path: join(SHOTS, 'phone-settings.png') });
  expect(errors).toEqual([]);
  await page.context().close();
}, 60_000);

test('a server with an API key: the page asks for it, keeps it in the browser and chats with it', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(keyed.url);
  const asked = page.getByLabel('This server needs an API key to chat.');
  await asked.waitFor();
  expect(await page.locator('#status-text').textContent()).toBe('Needs an API key');
  await asked.fill('not-the-key');
  await asked.press('Enter');
  const again = page.getByLabel('The server did not accept that API key. Enter the right one to chat.');
  await again.waitFor();
  await again.fill(KEY);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForSelector('.status-dot[data-state="ready"]');
  expect(await page.locator('#api-key-form').isVisible()).toBe(false);
  expect(await page.evaluate(() => localStorage.getItem('demi.apiKey'))).toBe(KEY);
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('hi there');
  await input.press('Enter');
  await page.locator('.message.bot[data-state="done"]').waitFor();
  // The next visit connects with the kept key without asking.
  await page.reload();
  await page.waitForSelector('.status-dot[data-state="ready"]');
  expect(await page.locator('#api-key-form').isVisible()).toBe(false);
  await page.screenshot({ path: join(SHOTS, 'desktop-api-key.png') });
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);
