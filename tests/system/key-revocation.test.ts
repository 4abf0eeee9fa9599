import { signUserToken } from '@knocklabs/node';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@prefs/testing';
import { prefsOk, startApiProcess, type ApiChild } from './browser/processes';

/**
 * Two API processes, each with its own key cache, kept busy with the same keys; `prefs keys revoke` and
 * `prefs signing-keys revoke` (run as an operator would) are then refused by both within 5 s.
 */
let env: TestEnvironment;
let apis: ApiChild[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
  apis = await Promise.all([startApiProcess(env), startApiProcess(env)]);
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  await env?.cleanup();
});

async function status(api: ApiChild, headers: Record<string, string>): Promise<number> {
  return (await fetch(`${api.url}/v1/users/erin/preferences`, { headers })).status;
}

/**
 * Polls every process with `headers` every 50 ms from before `revoke` runs until each answers 401;
 * returns the milliseconds from the end of the revoke command to the last process's first 401.
 */
async function refusedEverywhereWithin(headers: Record<string, string>, revoke: () => Promise<unknown>): Promise<number> {
  for (const api of apis) expect(await status(api, headers)).toBe(200);
  await revoke();
  const revokedAt = Date.now();
  const refusedAt = await Promise.all(
    apis.map((api) => waitFor(async () => ((await status(api, headers)) === 401 ? Date.now() : null), 10_000, 50)),
  );
  return Math.max(...refusedAt) - revokedAt;
}

it('refuses a revoked secret key on every API process within 5 s', async () => {
  const secretKey = await prefsOk(env, 'keys', 'create', '--environment', 'ops');
  const elapsed = await refusedEverywhereWithin({ Authorization: `Bearer ${secretKey}` }, () => prefsOk(env, 'keys', 'revoke', secretKey.slice(0, 12)));
  expect(elapsed).toBeLessThan(5_000);
});

it('refuses a revoked public key, and tokens of a revoked signing key, on every API process within 5 s', async () => {
  const publicKey = await prefsOk(env, 'keys', 'create', '--environment', 'ops', '--public');
  const kept = await prefsOk(env, 'signing-keys', 'create', '--environment', 'ops');
  const revoked = await prefsOk(env, 'signing-keys', 'create', '--environment', 'ops');
  const [, second] = JSON.parse(await prefsOk(env, 'signing-keys', 'list', '--environment', 'ops', '--json')) as { id: string }[];
  const browser = async (signingKey: string) => ({ Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': await signUserToken('erin', { signingKey }) });
  const viaRevoked = await browser(revoked);
  // A signing key made a moment ago may take up to a second to be seen by a process.
  for (const api of apis) await waitFor(async () => (await status(api, viaRevoked)) === 200, 3_000, 100);

  const signingElapsed = await refusedEverywhereWithin(viaRevoked, () => prefsOk(env, 'signing-keys', 'revoke', second.id));
  expect(signingElapsed).toBeLessThan(5_000);

  const viaKept = await browser(kept);
  const keyElapsed = await refusedEverywhereWithin(viaKept, () => prefsOk(env, 'keys', 'revoke', publicKey.slice(0, 12)));
  expect(keyElapsed).toBeLessThan(5_000);
});
