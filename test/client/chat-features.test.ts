/**
 * The chat page's conversation features in headless Chromium (as chat-page.test.ts): the part of
 * the conversation the model sees, chats kept across reloads (list, delete, copy, regenerate,
 * edit-and-resend, the restored chat being what the model sees next), no sending while
 * disconnected, the starters' focus ring, and the critic's wait (progress, and a stop that shows
 * no unchosen candidate). A screenshot of a restored chat is written to DEMI_SCREENSHOT_DIR.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/index.js';
import { startTestServer } from '../server/helpers.js';
import { eventually, launchChromium, SHOTS } from './browser.js';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  // the server's own default: the critic chooses (the test helper turns it off otherwise)
  [server, browser] = await Promise.all([startTestServer({ rerank: undefined }), launchChromium()]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(url = server.url): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('WebSocket')) errors.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('.status-dot[data-state="ready"]');
  return { page, errors };
}

/** Settings for a reproducible, streamed reply. */
async function configure(page: Page, { seed = '7', maxTokens = '40', critic = false } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await eventually('the model limits are known', async () => (await page.getByLabel('Max tokens').getAttribute('max')) !== '336');
  await page.getByLabel('Seed').fill(seed);
  await page.getByLabel('Max tokens').fill(maxTokens);
  const rerank = page.getByLabel('Let the DEMI critic choose');
  if (critic) await rerank.check();
  else await rerank.uncheck();
  await page.getByRole('button', { name: 'Close settings' }).click();
}

async function say(page: Page, text: string): Promise<string> {
  const before = await page.locator('.message.bot[data-state="done"], .message.bot[data-state="cancelled"]').count();
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
  await page.locator('.message.bot[data-state="done"]').nth(before).waitFor();
  return (await page.locator('.message.bot .bubble').nth(before).textContent())!.trim();
}

async function apiReply(turns: string[], seed: number, maxTokens: number): Promise<string> {
  const messages = turns.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content }));
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages, seed, temperature: 0.7, top_p: 0.9, max_tokens: maxTokens, rerank: 0 }),
  });
  return (await response.json()).choices[0].message.content.trim();
}

/** Makes the page's replies long (EOS suppressed), so that there is time to watch and stop them. */
async function longReplies(page: Page, minTokens: number): Promise<void> {
  await page.evaluate((min) => {
    type EmitWithAck = (this: unknown, event: string, payload: { params?: object }) => unknown;
    const proto = (window as unknown as { io: { Socket: { prototype: { emitWithAck: EmitWithAck } } } }).io.Socket.prototype;
    const emitWithAck = proto.emitWithAck;
    proto.emitWithAck = function (this: unknown, event, payload) {
      if (event === 'chat:send') payload = { ...payload, params: { ...payload.params, minTokens: min } };
      return emitWithAck.call(this, event, payload);
    };
  }, minTokens);
}

test('the turns that no longer fit the model\'s context are dimmed, with a notice', async () => {
  const { page, errors } = await openPage();
  // the longest replies leave the least room for context: a few turns in, the oldest fall out
  await configure(page, { maxTokens: '224' });
  await say(page, 'hi there');
  expect(await page.locator('.context-divider').count()).toBe(0);
  await say(page, 'what colour is the apple ?');
  await say(page, 'and the rose ?');
  await say(page, 'thank you');
  const divider = page.locator('.context-divider');
  await divider.waitFor();
  expect(await divider.textContent()).toMatch(/^Earlier turns are not seen by the model/);
  expect(await page.locator('.message.user').first().getAttribute('class')).toContain('unseen');
  // the newest message is always seen; the notice sits right before the oldest seen turn
  expect(await page.locator('.message.user').last().getAttribute('class')).not.toContain('unseen');
  expect(await divider.evaluate((d) => !d.nextElementSibling!.classList.contains('unseen') && d.previousElementSibling!.classList.contains('unseen'))).toBe(true);
  expect(errors).toEqual([]);
  await page.context().close();
}, 90_000);

test('chats survive a reload, are listed and deleted, and the restored chat is what the model sees next', async () => {
  const { page, errors } = await openPage();
  await configure(page);
  const first = await say(page, 'hi there');
  await page.reload();
  await page.waitForSelector('.status-dot[data-state="ready"]');
  expect(await page.locator('.message.user .bubble').allTextContents()).toEqual(['hi there']);
  expect((await page.locator('.message.bot .bubble').textContent())!.trim()).toBe(first);
  expect(await page.locator('#welcome').isVisible()).toBe(false);
  await page.screenshot({ path: join(SHOTS, 'desktop-restored.png') });
  // the server's session went with the old page; the model still sees the restored turns
  const second = await say(page, 'what colour is the apple ?');
  expect(second).toBe(await apiReply(['hi there', first, 'what colour is the apple ?'], 7, 40));

  await page.getByRole('button', { name: 'New chat' }).click();
  await eventually('the transcript is empty', async () => (await page.locator('.message').count()) === 0);
  await say(page, 'good morning');
  await page.getByRole('button', { name: 'Chats' }).click();
  const entries = page.locator('#chat-list .chat-entry');
  expect(await entries.count()).toBe(2);
  expect(await entries.locator('.chat-title').allTextContents()).toEqual(['good morning', 'hi there']);
  await page.locator('.chat-open', { hasText: 'hi there' }).click();
  await eventually('the first chat is shown', async () => (await page.locator('.message.user .bubble').allTextContents()).join('|') === 'hi there|what colour is the apple ?');
  await page.getByRole('button', { name: 'Delete chat: good morning' }).click();
  expect(await entries.count()).toBe(1);
  await page.reload();
  await page.waitForSelector('.status-dot[data-state="ready"]');
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('demi.chats.v1')!).map((c: { title: string }) => c.title))).toEqual(['hi there']);
  expect(await page.locator('.message.user .bubble').allTextContents()).toEqual(['hi there', 'what colour is the apple ?']);
  expect(errors).toEqual([]);
  await page.context().close();
}, 90_000);

test('copy puts a reply on the clipboard; regenerate redoes the last reply; edit-and-resend drops the turns after the message', async () => {
  const { page, errors } = await openPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await configure(page);
  const first = await say(page, 'hi there');
  await page.getByRole('button', { name: 'Copy reply' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);

  await say(page, 'what colour is the apple ?');
  // only the last reply can be regenerated
  expect(await page.getByRole('button', { name: 'Regenerate reply' }).count()).toBe(1);
  await page.getByRole('button', { name: 'Regenerate reply' }).click();
  await eventually('the reply is regenerated', async () => (await page.locator('.message.bot[data-state="done"]').count()) === 2
    && (await page.locator('.message.bot').count()) === 2);
  expect((await page.locator('.message.bot .bubble').last().textContent())!.trim()).toBe(await apiReply(['hi there', first, 'what colour is the apple ?'], 7, 40));

  await page.getByRole('button', { name: 'Edit message' }).first().click();
  const editor = page.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('what colour is the rose ?');
  await editor.press('Enter');
  await eventually('the edited message is resent alone', async () => (await page.locator('.message.bot[data-state="done"]').count()) === 1
    && (await page.locator('.message').count()) === 2);
  expect(await page.locator('.message.user .bubble').allTextContents()).toEqual(['what colour is the rose ?']);
  expect((await page.locator('.message.bot .bubble').textContent())!.trim()).toBe(await apiReply(['what colour is the rose ?'], 7, 40));
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('demi.chats.v1')!)[0].turns.length)).toBe(2);
  expect(errors).toEqual([]);
  await page.context().close();
}, 90_000);

test('sending is off while disconnected, and the page says why', async () => {
  const own = await startTestServer();
  const { page } = await openPage(own.url);
  await own.close();
  await page.locator('#banner').waitFor();
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('are you there ?');
  expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
  expect(await page.locator('#key-hint').textContent()).toMatch(/Not connected to the server/);
  expect(await page.getByRole('button', { name: 'Hi! How are you today?' }).isDisabled()).toBe(true);
  await input.press('Enter');
  await new Promise((r) => setTimeout(r, 200));
  expect(await page.locator('.message').count()).toBe(0);
  expect(await input.inputValue()).toBe('are you there ?');
  await page.context().close();
}, 90_000);

test('the conversation starters show a focus ring when reached by keyboard', async () => {
  const { page, errors } = await openPage();
  const chip = page.getByRole('button', { name: 'Can you recommend a good restaurant?' });
  const unfocused = await chip.evaluate((c) => getComputedStyle(c).boxShadow);
  for (let i = 0; i < 10 && !(await chip.evaluate((c) => c === document.activeElement)); i++) await page.keyboard.press('Shift+Tab');
  expect(await chip.evaluate((c) => c.matches(':focus-visible'))).toBe(true);
  const focused = await chip.evaluate((c) => getComputedStyle(c).boxShadow);
  expect(focused).not.toBe(unfocused);
  expect(focused).toMatch(/0px 0px 0px 3px/);
  expect(errors).toEqual([]);
  await page.context().close();
}, 60_000);

test('stop while the critic chooses shows no candidate, and the model does not see one', async () => {
  const { page, errors } = await openPage();
  await configure(page, { maxTokens: '224', critic: true });
  await longReplies(page, 224);
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('hi there');
  await input.press('Enter');
  await page.locator('.message.bot[data-request-id]').waitFor();
  // stopped once candidates are being generated (a stop before that leaves nothing to show anyway)
  await eventually('the worker generates', async () => server.workers.workers.some((w) => w.busyWith !== undefined));
  await new Promise((r) => setTimeout(r, 100));
  await page.getByRole('button', { name: 'Stop' }).click();
  const reply = page.locator('.message.bot[data-state="cancelled"]');
  await reply.waitFor();
  expect((await reply.locator('.bubble').textContent())!.trim()).toBe('Stopped before replying.');
  expect(await page.locator('.message.user').first().getAttribute('class')).toContain('unseen');
  expect(errors).toEqual([]);
  await page.context().close();
}, 60_000);

test('while the critic chooses the page says so, and the welcome text is true in both modes', async () => {
  const { page, errors } = await openPage();
  const welcome = (await page.locator('#welcome p').textContent())!;
  expect(welcome).not.toMatch(/replies appear as they are written/);
  expect(welcome).toMatch(/whole/);
  expect(welcome).toMatch(/word by word/);
  await configure(page, { maxTokens: '200', critic: true });
  await longReplies(page, 200);
  const input = page.getByLabel('Message', { exact: true });
  await input.fill('hi there');
  await input.press('Enter');
  const waiting = page.locator('.message.bot[data-state="waiting"] .bubble');
  await waiting.waitFor();
  expect((await waiting.textContent())!.trim()).toBe('Choosing among 8 replies…');
  await page.locator('.message.bot[data-state="done"]').waitFor({ timeout: 30_000 });
  expect(await page.locator('.message.bot .progress').count()).toBe(0);
  expect(errors).toEqual([]);
  await page.context().close();
}, 60_000);
