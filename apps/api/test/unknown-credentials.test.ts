import { randomUUID } from 'node:crypto';
import { createApiKey, hashSecretKey, rotateLinkSecret, type Database } from '@prefs/db';
import { createLogger } from '@prefs/logger';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { KeyCache } from '../src/auth/key-cache';
import { createLinkSecretLookup } from '../src/links/link-secret-cache';
import { startApi, type ApiProcess } from '../src/server';

/**
 * Made-up credentials are cheap to refuse: an unknown API key or link secret is remembered as unknown
 * for a few seconds, apart from the good entries, so repeats cost no database round trip and a flood of
 * distinct ones evicts nothing good; and failed authentications per client address are limited (429).
 * Database reads are counted on the real client, wrapped.
 */
let env: TestEnvironment;
let api: ApiProcess;
let reads = 0;
let counted: Database;
const logger = createLogger({ service: 'test', level: 'silent' });
const FAILED_AUTH_LIMIT = 20;
/** More than either cache holds of unknown ids. */
const FLOOD = 10_050;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ failedAuthLimit: FAILED_AUTH_LIMIT }));
  counted = env.db.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          reads += 1;
          return query(args);
        },
      },
    },
  }) as unknown as Database;
  // Raw statements (the link secrets' lookup) counted as well.
  counted = new Proxy(counted, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== '$queryRawUnsafe' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Runs `each` for 0..count-1, fifty at a time. */
async function inBatches(count: number, each: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - start) }, (_, offset) => each(start + offset)));
  }
}

describe('unknown API keys', () => {
  it('are remembered as unknown for 3 s: a thousand tries of one made-up key cost one lookup', async () => {
    const time = clock();
    const cache = new KeyCache(counted, logger, { now: time.now });
    const madeUp = hashSecretKey(`sk_${'x'.repeat(40)}`);
    reads = 0;
    for (let index = 0; index < 1000; index += 1) expect(await cache.apiKey(madeUp)).toBeNull();
    expect(reads).toBe(1);
    time.advance(3000);
    expect(await cache.apiKey(madeUp)).toBeNull();
    expect(reads).toBe(2);
  });

  it('flooding the cache with distinct made-up keys leaves a good key cached', async () => {
    // A still clock: the entry stays young however long the flood takes on this machine.
    const cache = new KeyCache(counted, logger, { now: clock().now });
    const { key } = await createApiKey(env.db, 'test', 'secret');
    const good = hashSecretKey(key);
    expect(await cache.apiKey(good)).toMatchObject({ revoked: false });
    await inBatches(FLOOD, (index) => cache.apiKey(hashSecretKey(`sk_made_up_${index}`)));
    reads = 0;
    expect(await cache.apiKey(good)).toMatchObject({ revoked: false });
    expect(reads).toBe(0);
  });
});

describe('unknown link secrets', () => {
  it('cost one lookup however often one is tried, and a flood of distinct ones leaves a good secret cached', async () => {
    // Remembered for a minute: long enough for the flood on any machine.
    const lookup = createLinkSecretLookup(counted, 60_000);
    const secret = await rotateLinkSecret(env.db, env.environmentId);
    expect(await lookup(secret.id)).toMatchObject({ id: secret.id });

    const madeUp = randomUUID();
    reads = 0;
    for (let index = 0; index < 1000; index += 1) expect(await lookup(madeUp)).toBeNull();
    expect(reads).toBe(1);

    await inBatches(FLOOD, () => lookup(randomUUID()));
    reads = 0;
    expect(await lookup(secret.id)).toMatchObject({ id: secret.id });
    expect(reads).toBe(0);
  });
});

describe('failed authentication', () => {
  const call = (key: string) => fetch(`${api.url}/v1/users/u/preferences`, { headers: { Authorization: `Bearer ${key}` } });

  it(`is limited to ${FAILED_AUTH_LIMIT} a second per address: the rest are 429s, while a key in use keeps working`, async () => {
    expect((await call(env.secretKey)).status).toBe(200); // now cached
    let statuses: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const started = Date.now();
      statuses = [];
      for (let index = 0; index < FAILED_AUTH_LIMIT + 10; index += 1) statuses.push((await call(`sk_made_up_${round}_${index}`)).status);
      if (Date.now() - started < 800) break;
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(FAILED_AUTH_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);

    const refused = await call('sk_made_up_once_more');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'rate_limit_exceeded', status: 429, type: 'rate_limit_error' });
    // The address is over its limit, but a key this process knows costs no lookup: it is served.
    expect((await call(env.secretKey)).status).toBe(200);
  });
});
