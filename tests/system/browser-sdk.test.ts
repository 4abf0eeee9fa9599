import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildUserTokenGrant, signUserToken } from '@knocklabs/node';
import { build } from 'esbuild';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@prefs/testing';
import { findChromium, missingChromium } from './browser/chromium';
import { createKnockSteps, type KnockSteps, type StepResult } from './browser/knock-steps';
import { knockOperations, responseValidator, type KnockOperation } from './knock-contract/knock-document';
import { prefsOk, startApiProcess, type ApiChild } from './browser/processes';

/**
 * Knock's browser SDK (`@knocklabs/client`), unchanged, as a customer's settings page uses it: a page
 * bundled with esbuild, served from another origin than the API, in a real headless Chromium. Keys are
 * made with the `prefs` command line; tokens are signed by `signUserToken` of `@knocklabs/node`, as the
 * customer's server would; the preference-center config is read as Knock's docs show it from a browser, and
 * must fit Knock's document. The same calls also run from Node, which is what runs when no Chromium is at
 * hand (the browser half then says so and is skipped).
 */
const chromiumPath = findChromium();
if (!chromiumPath) console.warn(missingChromium);

let env: TestEnvironment;
let api: ApiChild;
let publicKey: string;
let signingKey: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApiProcess(env);
  await prefsOk(env, 'keys', 'create', '--environment', 'web');
  publicKey = await prefsOk(env, 'keys', 'create', '--environment', 'web', '--public');
  signingKey = await prefsOk(env, 'signing-keys', 'create', '--environment', 'web');
  // The environment's preference-center layout, which the config answers in Knock's rows.
  const layout = await fetch(`${api.url}/v1/preference_center`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${await prefsOk(env, 'keys', 'create', '--environment', 'web')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Your notifications', rows: [{ key: 'categories.marketing', label: 'Marketing', channel_types: ['email'] }] }),
  });
  expect(layout.status).toBe(200);
});

afterAll(async () => {
  await api?.stop();
  await env?.cleanup();
});

/** Runs one step of `knock-steps.ts`, wherever the driver runs it. */
type Driver = <K extends keyof KnockSteps>(step: K, ...args: Parameters<KnockSteps[K]>) => Promise<StepResult>;

const expectOk = (result: StepResult): unknown => {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  return result.value;
};
const expectRefused = (result: StepResult, status: number) => {
  expect(result.ok).toBe(false);
  expect(result.ok ? '' : result.error).toContain(`status code ${status}`);
};

/** The calls a settings page makes, and the refusals it must meet; `userId` keeps drivers apart. */
async function settingsPageScenario(run: Driver, userId: string): Promise<void> {
  // A tenant's set is written only by a token whose grants name the tenant.
  const userRights = ['preferences/read', 'preferences/write', 'user/read', 'user/write'] as never[];
  const grants = [buildUserTokenGrant({ type: 'user', id: userId }, userRights), buildUserTokenGrant({ type: 'tenant', id: 'acme' }, ['preferences/write' as never])];
  const token = await signUserToken(userId, { signingKey, grants });
  const withoutTenant = await signUserToken(userId, { signingKey });
  const configFits = responseValidator(knockOperations.find((operation) => operation.operationId === 'getPreferenceCenterConfig') as KnockOperation, 200);
  expect(expectOk(await run('authenticate', api.url, publicKey, userId, withoutTenant))).toBe(true);
  expectRefused(await run('setPreferences', { workflows: { digest: true } }, { preferenceSet: 'acme' }), 403);
  expect(expectOk(await run('authenticate', api.url, publicKey, userId, token))).toBe(true);
  expect(expectOk(await run('getAllPreferences'))).toEqual([]);

  const written = expectOk(await run('setPreferences', { categories: { marketing: false }, channel_types: { sms: false } })) as Record<string, unknown>;
  expect(written).toMatchObject({ id: 'default', categories: { marketing: false }, channel_types: { sms: false } });
  expect(expectOk(await run('getPreferences'))).toMatchObject({ id: 'default', categories: { marketing: false } });
  expectOk(await run('setPreferences', { workflows: { digest: true } }, { preferenceSet: 'acme' }));
  const all = expectOk(await run('getAllPreferences')) as { id: string }[];
  expect(all.map((set) => set.id).sort()).toEqual(['acme', 'default']);

  // The deprecated granular setters: each merges at its key and answers the whole set.
  expect(expectOk(await run('setChannelTypes', { email: true }))).toMatchObject({ channel_types: { sms: false, email: true } });
  expect(expectOk(await run('setChannelType', 'push', false))).toMatchObject({ channel_types: { sms: false, email: true, push: false } });
  expect(expectOk(await run('setWorkflows', { welcome: true }))).toMatchObject({ workflows: { welcome: true } });
  expect(expectOk(await run('setWorkflow', 'welcome', false))).toMatchObject({ workflows: { welcome: false } });
  expect(expectOk(await run('setCategories', { product: true }))).toMatchObject({ categories: { marketing: false, product: true } });
  const category = expectOk(await run('setCategory', 'product', { channel_types: { email: false } })) as Record<string, unknown>;
  expect(category).toMatchObject({ id: 'default', categories: { marketing: false, product: { channel_types: { email: false } } } });
  expectOk(await run('setWorkflow', 'digest', true, { preferenceSet: 'acme' }));
  expectRefused(await run('setCategory', 'product', true, { preferenceSet: 'globex' }), 403);

  // Identify (what `authenticate({ id, ...properties })` sends), then read the user back.
  expect(expectOk(await run('identify', { name: 'Ada' }))).toMatchObject({ id: userId, name: 'Ada' });
  expect(expectOk(await run('getUser'))).toMatchObject({ id: userId, name: 'Ada' });
  expectRefused(await run('identify', { __tenant: 'acme' }), 403);

  // The preference-center config, as Knock's docs show it read from a browser: in Knock's shape, with this
  // environment's layout; a tenant's only with a token whose grants name that tenant.
  const config = expectOk(await run('getPreferenceCenterConfig'));
  expect(config).toMatchObject({ enabled: true, user_email: userId, config: { title: 'Your notifications', rows: expect.arrayContaining([expect.objectContaining({ type: 'category', identifier: 'marketing', name: 'Marketing' })]) } });
  expect({ fits: configFits?.(config), errors: configFits?.errors ?? null }).toEqual({ fits: true, errors: null });
  expectOk(await run('getPreferenceCenterConfig', { tenant: 'acme' }));
  expectRefused(await run('getPreferenceCenterConfig', { tenant: 'globex' }), 403);

  // The server sees what the browser wrote.
  const server = await fetch(`${api.url}/v1/users/${encodeURIComponent(userId)}/preferences/default`, {
    headers: { Authorization: `Bearer ${await prefsOk(env, 'keys', 'create', '--environment', 'web')}` },
  });
  expect(await server.json()).toMatchObject({ categories: { marketing: false } });

  // A token for another user: refused on every call.
  expectOk(await run('authenticate', api.url, publicKey, `${userId}-victim`, token));
  expectRefused(await run('getAllPreferences'), 403);
  expectRefused(await run('getPreferences'), 403);
  expectRefused(await run('setPreferences', { categories: { marketing: true } }), 403);
  expectRefused(await run('identify', { name: 'Mallory' }), 403);
  expectRefused(await run('getPreferenceCenterConfig'), 403);

  // An expired token.
  expectOk(await run('authenticate', api.url, publicKey, userId, await signUserToken(userId, { signingKey, expiresInSeconds: -30 })));
  expectRefused(await run('getPreferences'), 401);

  // A token signed by a key that is then revoked: refused within 5 s.
  const rotated = await prefsOk(env, 'signing-keys', 'create', '--environment', 'web');
  const rotatedId = JSON.parse(await prefsOk(env, 'signing-keys', 'list', '--environment', 'web', '--json')).at(-1).id as string;
  expectOk(await run('authenticate', api.url, publicKey, userId, await signUserToken(userId, { signingKey: rotated })));
  await waitFor(async () => (await run('getPreferences')).ok, 5_000, 100);
  await prefsOk(env, 'signing-keys', 'revoke', rotatedId);
  const revokedAt = Date.now();
  await waitFor(async () => {
    const result = await run('getPreferences');
    return !result.ok && result.error.includes('status code 401');
  }, 5_000, 100);
  expect(Date.now() - revokedAt).toBeLessThan(5_000);
}

describe('the browser SDK from Node', () => {
  it('authenticates, reads and writes preferences, and is refused for another user, an expired token and a revoked signing key', async () => {
    const steps = createKnockSteps();
    const run: Driver = (step, ...args) => (steps[step] as (...values: unknown[]) => Promise<StepResult>)(...args);
    await settingsPageScenario(run, 'node-user');
  });
});

(chromiumPath ? describe : describe.skip)('the browser SDK in headless Chromium, on a page of another origin', () => {
  let browser: Browser;
  let page: Page;
  let site: http.Server;
  let siteOrigin: string;
  const requests: Request[] = [];

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(__dirname, 'browser', 'page.ts')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
      // The SDK reads its version from the environment at build time, as its own build does.
      define: { 'process.env.CLIENT_PACKAGE_VERSION': '"0.22.2"', 'process.env.NODE_ENV': '"production"' },
    });
    const script = bundle.outputFiles[0].text;
    const html = '<!doctype html><html><head><meta charset="utf-8"><title>Settings</title></head><body><script src="/app.js"></script></body></html>';
    site = http.createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    // "localhost" against the API's "127.0.0.1", on another port: a different origin twice over.
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;

    browser = await chromium.launch({ executablePath: chromiumPath as string, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    page.on('request', (request) => requests.push(request));
    await page.goto(siteOrigin);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('authenticates, reads and writes preferences, and is refused for another user, an expired token and a revoked signing key', async () => {
    const run: Driver = (step, ...args) =>
      page.evaluate(([name, values]) => (window.knockSteps[name as keyof KnockSteps] as (...rest: unknown[]) => Promise<StepResult>)(...values), [step, args] as const);
    await settingsPageScenario(run, 'browser-user');

    const toApi = requests.filter((request) => request.url().startsWith(api.url));
    expect(toApi.length).toBeGreaterThan(10);
    // Cross-origin for real: every request carried the page's origin, and the PUTs with the SDK's headers
    // went through, so Chromium's preflights (which it does not report to the page) were answered.
    expect(toApi.some((request) => request.method() === 'PUT')).toBe(true);
    for (const request of toApi) {
      const headers = await request.allHeaders();
      expect(headers.origin).toBe(siteOrigin);
      expect(headers.authorization).toBe(`Bearer ${publicKey}`);
      expect(headers['x-knock-client']).toMatch(/^Knock\/ClientJS /);
    }
  });

  it('never sends, and never needs, a secret key', async () => {
    for (const request of requests) {
      expect(JSON.stringify(await request.allHeaders())).not.toMatch(/sk_/);
      expect(request.url()).not.toMatch(/sk_/);
    }
    // The SDK itself refuses a secret key outright.
    const refused = await page.evaluate(async (host) => window.knockSteps.authenticate(host, 'sk_not_for_browsers', 'someone', 'token'), api.url);
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining('secret API key') });
  });

  it('cannot read what a public key may not reach, from this origin', async () => {
    const token = await signUserToken('browser-user', { signingKey });
    const outcome = await page.evaluate(
      async ({ host, key, userToken }) => {
        const attempt = async (pathname: string) => {
          try {
            const res = await fetch(`${host}${pathname}`, { headers: { Authorization: `Bearer ${key}`, 'X-Knock-User-Token': userToken } });
            return res.status;
          } catch {
            return 'blocked';
          }
        };
        return { listing: await attempt('/v1/bulk_operations'), tenants: await attempt('/v1/tenants'), metrics: await attempt('/metrics') };
      },
      { host: api.url, key: publicKey, userToken: token },
    );
    // No CORS answer on those routes: the browser does not even let the page see a status.
    expect(outcome).toEqual({ listing: 'blocked', tenants: 'blocked', metrics: 'blocked' });
  });
});
