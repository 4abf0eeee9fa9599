/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../../apps/api/src/server';

/**
 * The preference center and the unsubscribe confirmation in a real headless Chromium: with JavaScript on
 * and off, keyboard and labels, a 360 px screen, tenant branding, and a tampered link. Screenshots go to
 * docs/images/ with PREFS_SCREENSHOTS=1 (to a temporary folder otherwise).
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPED: the browser tests of the preference center need Chromium at ${CHROMIUM} (set CHROMIUM_PATH, or let npm test install it).`);
}
const describeWithBrowser = haveChromium ? describe : describe.skip;

const SCREENSHOTS = process.env.PREFS_SCREENSHOTS === '1' ? path.join(__dirname, '../../docs/images') : path.join(tmpdir(), 'prefs-screenshots');
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="32" viewBox="0 0 132 32"><rect width="32" height="32" rx="8" fill="#0f766e"/><path d="M9 23 16 8l7 15h-4l-3-7-3 7z" fill="#fff"/><text x="40" y="23" font-family="Arial,sans-serif" font-size="19" font-weight="700" fill="#134e4a">Acme</text></svg>`;

let env: TestEnvironment;
let api: ApiProcess;
let browser: Browser;
let logoServer: http.Server;
let logoUrl: string;

async function call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${urlPath}`, {
    method,
    headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function linksFor(userId: string, body: object = {}): Promise<{ manage: string; unsubscribe: string }> {
  const res = await call('POST', `/v1/users/${userId}/links`, body);
  return { manage: res.body.manage_preferences_url as string, unsubscribe: res.body.commercial_unsubscribe_url as string };
}

const storedSet = async (userId: string) => (await call('GET', `/v1/users/${userId}/preferences/default`)).body;

beforeAll(async () => {
  if (!haveChromium) return;
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ rateLimits: [1, 5, 60, 200, 1000] }));
  logoServer = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'image/svg+xml' }).end(LOGO_SVG));
  await new Promise<void>((resolve) => logoServer.listen(0, '127.0.0.1', resolve));
  logoUrl = `http://127.0.0.1:${(logoServer.address() as { port: number }).port}/logo.svg`;
  browser = await chromium.launch({ executablePath: CHROMIUM });
  await call('PUT', '/v1/preference_center', {
    title: 'Your Acme notifications',
    description: 'Choose what Acme sends you, and where. You can change this at any time.',
    rows: [
      { key: 'categories.product-updates', label: 'Product updates', description: 'New features and improvements.', channel_types: ['email', 'push', 'sms'] },
      { key: 'categories.billing', label: 'Billing and invoices', description: 'Receipts, failed payments and plan changes.', channel_types: ['email', 'sms'] },
      { key: 'workflows.weekly-digest', label: 'Weekly digest', description: 'A summary of your team’s activity every Monday.' },
      { key: 'workflows.security-alerts', label: 'Security alerts', description: 'New sign-ins and password changes.' },
    ],
  });
  await call('PUT', '/v1/tenants/acme', {
    name: 'Acme',
    settings: { branding: { logo_url: logoUrl, primary_color: '#0f766e', primary_color_contrast: '#ffffff' } },
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (logoServer ? logoServer.close(resolve) : resolve(undefined)));
  await api?.close();
  await env?.cleanup();
});

async function open(context: BrowserContext, url: string): Promise<{ page: Page; status: number; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  // A CSP violation or a script error would show here.
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const response = await page.goto(url);
  return { page, status: response?.status() ?? 0, errors };
}

const isChecked = (page: Page, label: string, row: string) =>
  page.getByRole('group', { name: row }).getByRole('switch', { name: label }).isChecked();

describeWithBrowser('the preference center in Chromium', () => {
  it('with JavaScript: toggle, save without a reload, reload and see the state kept, and the API agrees', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { manage } = await linksFor('ann', { tenant: 'acme' });
    const { page, status, errors } = await open(context, manage);
    expect(status).toBe(200);
    let navigations = 0;
    page.on('framenavigated', () => (navigations += 1));

    await page.getByRole('group', { name: 'Product updates' }).getByRole('switch', { name: 'SMS' }).click();
    await page.getByRole('group', { name: 'Weekly digest' }).getByRole('switch').click();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Your preferences are saved.' }).waitFor()).resolves.toBeUndefined();
    expect(navigations).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'preference-center-1280.png'), fullPage: true });

    await page.reload();
    expect(await isChecked(page, 'SMS', 'Product updates')).toBe(false);
    expect(await isChecked(page, 'Email', 'Product updates')).toBe(true);
    expect(await page.getByRole('group', { name: 'Weekly digest' }).getByRole('switch').isChecked()).toBe(false);
    expect(await storedSet('ann')).toMatchObject({
      categories: { 'product-updates': { channel_types: { sms: false } } },
      workflows: { 'weekly-digest': false },
      commercial_subscribed: null,
    });
    // A second save of other toggles merges: the first changes stay.
    await page.getByRole('group', { name: 'Billing and invoices' }).getByRole('switch', { name: 'Email' }).click();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();
    expect(await storedSet('ann')).toMatchObject({
      categories: { 'product-updates': { channel_types: { sms: false } }, billing: { channel_types: { email: false } } },
      workflows: { 'weekly-digest': false },
    });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('with JavaScript off: the form posts, the page comes back saved, and a reload keeps the state', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const { manage } = await linksFor('bob');
    const { page } = await open(context, manage);
    await page.getByRole('switch', { name: 'Marketing and promotional messages' }).click();
    await page.getByRole('group', { name: 'Security alerts' }).getByRole('switch').click();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save preferences' }).click()]);
    expect(await page.getByRole('status').textContent()).toBe('Your preferences are saved.');
    await page.goto(manage);
    expect(await page.getByRole('switch', { name: 'Marketing and promotional messages' }).isChecked()).toBe(false);
    expect(await page.getByRole('group', { name: 'Security alerts' }).getByRole('switch').isChecked()).toBe(false);
    expect(await storedSet('bob')).toMatchObject({ commercial_subscribed: false, workflows: { 'security-alerts': false } });
    const unsubscribes = (await call('GET', '/v1/users/bob/unsubscribes')).body.entries as { source: string }[];
    expect(unsubscribes.map((entry) => entry.source)).toEqual(['preference_center']);
    await context.close();
  });

  it('is usable by keyboard: every switch labelled, in reading order, with a visible focus; Space toggles and Enter saves', async () => {
    const context = await browser.newContext();
    const { manage } = await linksFor('cy');
    const { page } = await open(context, manage);
    const unlabelled = await page.$$eval('input.switch', (inputs) => inputs.filter((input) => (input as HTMLInputElement).labels?.length !== 1).length);
    expect(unlabelled).toBe(0);
    const order: string[] = [];
    for (let i = 0; i < 9; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const active = document.activeElement as HTMLInputElement;
        const outline = getComputedStyle(active).outlineStyle;
        return `${active.labels?.[0]?.textContent?.trim() || active.textContent?.trim()}|${outline}`;
      }));
    }
    // The commercial row, then the rows in layout order, then the button; focus always drawn.
    expect(order.map((entry) => entry.split('|')[0])).toEqual([
      'Marketing and promotional messages', 'Email', 'Push', 'SMS', 'Email', 'SMS', 'Weekly digest', 'Security alerts', 'Save preferences',
    ]);
    expect(order.every((entry) => entry.split('|')[1] !== 'none')).toBe(true);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();
    expect(await storedSet('cy')).toMatchObject({ workflows: { 'security-alerts': false } });
    await context.close();
  });

  it('fits a 360 px screen without sideways scrolling, text and controls with enough contrast', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
    const { manage } = await linksFor('dee', { tenant: 'acme' });
    const { page, errors } = await open(context, manage);
    await page.locator('header.brand img').evaluate((image) => (image as HTMLImageElement).decode());
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // One switch off, so that both states are on the page (and in the screenshot).
    await page.getByRole('group', { name: 'Product updates' }).getByRole('switch', { name: 'SMS' }).click();
    const contrasts = await page.evaluate(() => {
      const rgb = (text: string) => (text.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: number[]) => {
        const [r, g, b] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ratio = (a: number[], b: number[]) => {
        const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
        return (x + 0.05) / (y + 0.05);
      };
      const white = [255, 255, 255];
      const of = (selector: string) => getComputedStyle(document.querySelector(selector) as Element);
      const button = of('button');
      return {
        body: ratio(rgb(of('legend').color), white),
        description: ratio(rgb(of('.desc').color), white),
        button: ratio(rgb(button.color), rgb(button.backgroundColor)),
        switchOff: ratio(rgb(of('.switch:not(:checked)').backgroundColor), white),
        switchOn: ratio(rgb(of('.switch:checked').backgroundColor), white),
      };
    });
    expect(contrasts.body).toBeGreaterThanOrEqual(4.5);
    expect(contrasts.description).toBeGreaterThanOrEqual(4.5);
    expect(contrasts.button).toBeGreaterThanOrEqual(4.5);
    expect(contrasts.switchOff).toBeGreaterThanOrEqual(3);
    expect(contrasts.switchOn).toBeGreaterThanOrEqual(3);
    expect(await page.locator('header.brand img').evaluate((image) => (image as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'preference-center-360.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a tampered link shows a clear error page, not a stack trace', async () => {
    const context = await browser.newContext();
    const { manage } = await linksFor('eve');
    const url = new URL(manage);
    url.searchParams.set('t', url.searchParams.get('t')!.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')));
    const { page, status } = await open(context, url.toString());
    expect(status).toBe(400);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link is not valid');
    expect(await page.content()).not.toMatch(/Error:|at \S+\.js|node_modules/);
    await context.close();
  });

  it('the unsubscribe link: opening it changes nothing; its button unsubscribes, with a page and no redirect', async () => {
    const context = await browser.newContext();
    const { unsubscribe } = await linksFor('fin', { tenant: 'acme' });
    const { page } = await open(context, unsubscribe);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe?');
    expect((await storedSet('fin')).commercial_subscribed).toBeNull();
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Unsubscribe' }).click()]);
    expect(response?.status()).toBe(200);
    expect(response?.request().redirectedFrom()).toBeNull();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You are unsubscribed');
    expect((await storedSet('fin')).commercial_subscribed).toBe(false);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});
