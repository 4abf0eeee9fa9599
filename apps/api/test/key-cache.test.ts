import { createApiKey, createSigningKey, hashSecretKey, revokeApiKey, revokeSigningKey, type Database } from '@prefs/db';
import { createLogger } from '@prefs/logger';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { KeyCache } from '../src/auth/key-cache';

/**
 * The key cache's promise, on a clock the test moves: no database read per request while an entry is
 * young, a background re-read once it is a second old, and never an entry served once it is 3 s old, so
 * a revocation is seen within 3 s plus one lookup. Reads are counted on the real client.
 */
let env: TestEnvironment;
let reads = 0;
let counted: Database;
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  env = await createTestEnvironment();
  // The real client, with every model query counted.
  counted = env.db.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query, operation }) {
          if (operation === 'findUnique' || operation === 'findMany') reads += 1;
          return query(args);
        },
      },
    },
  }) as unknown as Database;
});

afterAll(async () => {
  await env?.cleanup();
});

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

it('serves a key from memory, re-reads it in the background after 1 s, and sees its revocation by 3 s', async () => {
  const time = clock();
  const cache = new KeyCache(counted, logger, { now: time.now });
  const { key } = await createApiKey(env.db, 'test', 'secret');
  const hash = hashSecretKey(key);

  reads = 0;
  expect(await cache.apiKey(hash)).toMatchObject({ revoked: false, kind: 'secret' });
  expect(reads).toBe(1);
  for (let index = 0; index < 1000; index += 1) await cache.apiKey(hash);
  expect(reads).toBe(1); // a thousand requests, one lookup

  await revokeApiKey(env.db, key);
  time.advance(999);
  expect(await cache.apiKey(hash)).toMatchObject({ revoked: false }); // still young: from memory
  time.advance(1);
  expect(await cache.apiKey(hash)).toMatchObject({ revoked: false }); // served, and re-read in the background
  await settle();
  expect(reads).toBe(2);
  expect(await cache.apiKey(hash)).toMatchObject({ revoked: true });
});

it('never serves an entry 3 s old, even when its background re-read never came', async () => {
  const time = clock();
  const cache = new KeyCache(counted, logger, { now: time.now });
  const { key } = await createApiKey(env.db, 'test', 'public');
  const hash = hashSecretKey(key);
  expect(await cache.apiKey(hash)).toMatchObject({ revoked: false, kind: 'public' });
  await revokeApiKey(env.db, key);
  time.advance(3000); // no request in between, so no background read
  expect(await cache.apiKey(hash)).toMatchObject({ revoked: true });
});

it('shares one read among concurrent requests for a key it does not hold', async () => {
  const cache = new KeyCache(counted, logger, { now: clock().now });
  const { key } = await createApiKey(env.db, 'test', 'secret');
  reads = 0;
  const results = await Promise.all(Array.from({ length: 50 }, () => cache.apiKey(hashSecretKey(key))));
  expect(results.every((record) => record?.revoked === false)).toBe(true);
  expect(reads).toBe(1);
});

it("keeps an environment's signing keys the same way, and re-reads them at most once a second for unknown signers", async () => {
  const time = clock();
  const cache = new KeyCache(counted, logger, { now: time.now });
  const first = (await createSigningKey(env.db, 'test'))!;
  expect(await cache.activeSigningKeys(env.environmentId)).toHaveLength(1);

  await createSigningKey(env.db, 'test');
  expect(await cache.rereadSigningKeys(env.environmentId)).toBeNull(); // read under a second ago: nothing new to try
  time.advance(1000);
  expect(await cache.rereadSigningKeys(env.environmentId)).toHaveLength(2);

  await revokeSigningKey(env.db, first.id);
  time.advance(3000);
  expect(await cache.activeSigningKeys(env.environmentId)).toHaveLength(1);
});
