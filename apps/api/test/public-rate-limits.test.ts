import { signUserToken } from '@knocklabs/node';
import type { RateLimitTiers } from '@prefs/config';
import { createApiKey, createSigningKey } from '@prefs/db';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/**
 * Public-key traffic is limited per (environment, token `sub`) at the route's tier, and all of it
 * together per environment on a budget apart from the secret key's: an end user's flood costs nobody
 * else a 429. Counted over real HTTP and Redis; as in rate-limits.test.ts, a burst is judged only when
 * it fit well within one second, and repeated otherwise.
 */
const TIERS: RateLimitTiers = [3, 50, 4, 6, 100];
const PUBLIC_TIERS: RateLimitTiers = [10, 50, 40, 30, 100];
const READ_LIMIT = TIERS[3];
const SHARED_READ_LIMIT = PUBLIC_TIERS[3];

let env: TestEnvironment;
let api: ApiProcess;
let publicKey: string;
let signingKey: string;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ rateLimits: TIERS, publicRateLimits: PUBLIC_TIERS }));
  publicKey = (await createApiKey(env.db, 'test', 'public')).key;
  signingKey = (await createSigningKey(env.db, 'test'))!.privateKeyBase64;
  for (const userId of ['flooder', ...Array.from({ length: 12 }, (_, index) => `user-${index}`)]) tokens.set(userId, await signUserToken(userId, { signingKey }));
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const read = (userId: string) =>
  fetch(`${api.url}/v1/users/${userId}/preferences`, { headers: { Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': tokens.get(userId) as string } }).then((res) => res.status);
const readAsServer = (userId: string) => fetch(`${api.url}/v1/users/${userId}/preferences`, { headers: { Authorization: `Bearer ${env.secretKey}` } }).then((res) => res.status);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (statuses: number[], status: number) => statuses.filter((value) => value === status).length;

/** Runs the sends at once after an empty window, until they all fit within 800 ms (at most 6 tries). */
async function burst(sends: (() => Promise<number>)[]): Promise<number[]> {
  for (let round = 0; round < 6; round += 1) {
    await sleep(1100);
    const started = Date.now();
    const statuses = await Promise.all(sends.map((sendOne) => sendOne()));
    if (Date.now() - started < 800) return statuses;
  }
  throw new Error('the machine was too slow to fire a burst within one window six times in a row');
}

it("limits a flooding end user at the route's tier and gives other end users and the secret key no 429", async () => {
  const flood = Array.from({ length: 40 }, () => () => read('flooder'));
  const others = Array.from({ length: 5 }, (_, user) => Array.from({ length: 3 }, () => () => read(`user-${user}`))).flat();
  const server = Array.from({ length: READ_LIMIT }, (_, index) => () => readAsServer(`server-${index}`));
  const statuses = await burst([...flood, ...others, ...server]);
  const flooder = statuses.slice(0, flood.length);
  const rest = statuses.slice(flood.length, flood.length + others.length);
  const backend = statuses.slice(flood.length + others.length);
  expect(count(flooder, 200)).toBe(READ_LIMIT);
  expect(count(flooder, 429)).toBe(flood.length - READ_LIMIT);
  expect(count(rest, 429)).toBe(0);
  expect(count(rest, 200)).toBe(others.length);
  expect(backend).toEqual(Array(READ_LIMIT).fill(200));
});

it("caps all end users of an environment together on their own budget, which never takes the secret key's", async () => {
  const users = Array.from({ length: 10 }, (_, user) => Array.from({ length: 5 }, () => () => read(`user-${user}`))).flat();
  const server = Array.from({ length: READ_LIMIT }, (_, index) => () => readAsServer(`server-${index}`));
  const statuses = await burst([...users, ...server]);
  const browsers = statuses.slice(0, users.length);
  expect(count(browsers, 200)).toBe(SHARED_READ_LIMIT);
  expect(count(browsers, 429)).toBe(users.length - SHARED_READ_LIMIT);
  expect(statuses.slice(users.length)).toEqual(Array(READ_LIMIT).fill(200));
});
