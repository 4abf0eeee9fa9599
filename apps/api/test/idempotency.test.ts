import { randomUUID } from 'node:crypto';
import Knock from '@knocklabs/node';
import { createBulkQueue, createApiConnection } from '@prefs/queue';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import type { Queue } from 'bullmq';
import type { BulkOperationJobData, RedisConnection } from '@prefs/queue';
import { startApi, type ApiProcess } from '../src/server';

/**
 * Idempotency-Key on the bulk POST (spec section 4), over real HTTP against two API processes sharing one
 * database and Redis prefix. No worker runs here, so every job the API enqueued is still in the queue to
 * be counted.
 */
let env: TestEnvironment;
let apiA: ApiProcess;
let apiB: ApiProcess;
let redis: RedisConnection;
let queue: Queue<BulkOperationJobData>;

beforeAll(async () => {
  env = await createTestEnvironment();
  apiA = await startApi(env.apiConfig());
  apiB = await startApi(env.apiConfig());
  redis = createApiConnection(env.redisUrl);
  queue = createBulkQueue(redis, env.redisPrefix);
});

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await apiA?.close();
  await apiB?.close();
  await env?.cleanup();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function bulkPost(base: string, body: unknown, headers: Record<string, string> = {}, key = env.secretKey): Promise<Answer> {
  const res = await fetch(`${base}/v1/users/bulk/preferences`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function operationsWithKey(idempotencyKey: string): Promise<{ id: string; environment_id: string }[]> {
  return env.db.$queryRawUnsafe('SELECT id::text, environment_id::text FROM bulk_operations WHERE idempotency_key = $1 ORDER BY seq', idempotencyKey);
}

async function jobIds(): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children']);
  return jobs.map((job) => job.id as string).sort();
}

async function operationCount(): Promise<number> {
  const rows = await env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations');
  return rows[0].n;
}

const body = (tag: string) => ({
  user_ids: [`${tag}-1`, `${tag}-2`, `${tag}-3`],
  preferences: { categories: { marketing: false, product: { channel_types: { email: true } } }, __persistence_strategy__: 'merge' },
});

describe('Idempotency-Key on POST /v1/users/bulk/preferences', () => {
  it('answers a repeat with the original operation and records and enqueues nothing new', async () => {
    const key = randomUUID();
    const jobsBefore = await jobIds();
    const first = await bulkPost(apiA.url, body('repeat'), { 'Idempotency-Key': key });
    expect(first.status).toBe(200);
    for (const base of [apiA.url, apiB.url, apiA.url]) {
      const again = await bulkPost(base, body('repeat'), { 'Idempotency-Key': key });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.inserted_at).toBe(first.body.inserted_at);
    }
    expect(await operationsWithKey(key)).toEqual([{ id: first.body.id, environment_id: env.environmentId }]);
    expect(await jobIds()).toEqual([...jobsBefore, first.body.id as string].sort());
  });

  it('treats the same request written differently (user order, duplicates, key order) as the same request', async () => {
    const key = randomUUID();
    const first = await bulkPost(apiA.url, body('same'), { 'Idempotency-Key': key });
    const reordered = {
      preferences: { __persistence_strategy__: 'merge', categories: { product: { channel_types: { email: true } }, marketing: false } },
      user_ids: ['same-3', 'same-1', 'same-2', 'same-1'],
    };
    const again = await bulkPost(apiB.url, reordered, { 'Idempotency-Key': key });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await operationsWithKey(key)).toHaveLength(1);
  });

  it('creates exactly one operation and one job when 20 repeats arrive at once', async () => {
    const key = randomUUID();
    const jobsBefore = await jobIds();
    const opsBefore = await operationCount();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => bulkPost(index % 2 ? apiA.url : apiB.url, body('concurrent'), { 'Idempotency-Key': key })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as string[];
    expect(await operationsWithKey(key)).toEqual([{ id, environment_id: env.environmentId }]);
    expect(await operationCount()).toBe(opsBefore + 1);
    expect(await jobIds()).toEqual([...jobsBefore, id].sort());
  });

  it('answers 422 to the same key with a different body, also when both race, and records nothing for it', async () => {
    const key = randomUUID();
    const first = await bulkPost(apiA.url, body('original'), { 'Idempotency-Key': key });
    expect(first.status).toBe(200);
    const jobsBefore = await jobIds();

    for (const different of [
      body('changed'),
      { ...body('original'), preferences: { ...body('original').preferences, __persistence_strategy__: 'replace' } },
      { ...body('original'), preferences: { ...body('original').preferences, id: 'tenant-a' } },
      { ...body('original'), user_ids: ['original-1', 'original-2'] },
    ]) {
      const reused = await bulkPost(apiB.url, different, { 'Idempotency-Key': key });
      expect(reused.status).toBe(422);
      expect(reused.body).toEqual({
        code: 'invalid_params',
        message: expect.stringMatching(/Idempotency-Key/),
        status: 422,
        type: 'invalid_request_error',
        errors: [{ field: 'Idempotency-Key', message: expect.any(String), type: 'idempotency_key_reused' }],
      });
    }
    expect(await operationsWithKey(key)).toHaveLength(1);
    expect(await jobIds()).toEqual(jobsBefore);

    // Two bodies racing for one fresh key: one body wins everywhere, the other is refused everywhere.
    const raceKey = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        bulkPost(index % 2 ? apiA.url : apiB.url, body(index % 2 ? 'race-a' : 'race-b'), { 'Idempotency-Key': raceKey }).then((answer) => ({
          ...answer,
          side: index % 2,
        })),
      ),
    );
    const winners = answers.filter((answer) => answer.status === 200);
    const losers = answers.filter((answer) => answer.status === 422);
    expect(winners.length + losers.length).toBe(12);
    expect(new Set(winners.map((answer) => answer.side)).size).toBe(1);
    expect(new Set(losers.map((answer) => answer.side)).size).toBe(1);
    expect(new Set(winners.map((answer) => answer.body.id)).size).toBe(1);
    expect(winners).toHaveLength(6);
    expect(await operationsWithKey(raceKey)).toHaveLength(1);
  });

  it('gives another environment with the same key its own operation', async () => {
    const key = randomUUID();
    const other = await env.createEnvironment('idempotency-neighbour');
    const mine = await bulkPost(apiA.url, body('env'), { 'Idempotency-Key': key });
    const theirs = await bulkPost(apiB.url, body('env'), { 'Idempotency-Key': key }, other.secretKey);
    // Even a different body is no conflict there: the key is theirs to use.
    const theirsChanged = await bulkPost(apiA.url, body('env-changed'), { 'Idempotency-Key': randomUUID() }, other.secretKey);
    expect([mine.status, theirs.status, theirsChanged.status]).toEqual([200, 200, 200]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    const rows = await operationsWithKey(key);
    expect(rows.map((row) => row.environment_id).sort()).toEqual([env.environmentId, other.environmentId].sort());
    expect((await bulkPost(apiB.url, body('env'), { 'Idempotency-Key': key }, other.secretKey)).body.id).toBe(theirs.body.id);
  });

  it('creates a new operation for every POST without a key, and for a key past its 24 h window', async () => {
    const a = await bulkPost(apiA.url, body('nokey'));
    const b = await bulkPost(apiA.url, body('nokey'));
    expect(a.body.id).not.toBe(b.body.id);

    const key = randomUUID();
    const old = await bulkPost(apiA.url, body('expired'), { 'Idempotency-Key': key });
    await env.db.$executeRawUnsafe("UPDATE bulk_operations SET inserted_at = now() - interval '25 hours' WHERE id = $1::uuid", old.body.id);
    const fresh = await bulkPost(apiB.url, body('expired-and-changed'), { 'Idempotency-Key': key });
    expect(fresh.status).toBe(200);
    expect(fresh.body.id).not.toBe(old.body.id);
    expect((await operationsWithKey(key)).map((row) => row.id)).toEqual([fresh.body.id]);
  });

  it('answers 400 in the error shape to an empty or overlong key', async () => {
    const before = await operationCount();
    for (const value of ['', 'k'.repeat(256)]) {
      const answer = await bulkPost(apiA.url, body('badkey'), { 'Idempotency-Key': value });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ code: 'invalid_request', message: expect.stringMatching(/Idempotency-Key/), status: 400, type: 'invalid_request_error' });
    }
    expect(await operationCount()).toBe(before);
  });

  it('works with the official Knock SDK: a key on every POST, kept across its own retries', async () => {
    const sentKeys: string[] = [];
    let dropNextResponse = true;
    // The SDK's fetch, but the first answer is lost on the way back (as if the connection broke after the
    // server had recorded the operation): the SDK retries, and must get the same operation back.
    const flakyFetch: typeof fetch = async (input, init) => {
      sentKeys.push(new Headers(init?.headers).get('idempotency-key') ?? '<none>');
      const response = await fetch(input, init);
      if (dropNextResponse) {
        dropNextResponse = false;
        await response.arrayBuffer();
        throw new TypeError('fetch failed: the connection was reset');
      }
      return response;
    };
    const knock = new Knock({ apiKey: env.secretKey, baseURL: apiA.url, fetch: flakyFetch, maxRetries: 3 });
    const jobsBefore = await jobIds();
    const opsBefore = await operationCount();

    const operation = await knock.users.bulk.setPreferences({ user_ids: ['sdk-1', 'sdk-2'], preferences: { categories: { a: true } } });
    expect(sentKeys).toHaveLength(2);
    expect(sentKeys[0]).toMatch(/^stainless-node-retry-/);
    expect(sentKeys[1]).toBe(sentKeys[0]);
    expect(await operationCount()).toBe(opsBefore + 1);
    expect((await operationsWithKey(sentKeys[0])).map((row) => row.id)).toEqual([operation.id]);

    // A second call is a new request: a new key, a new operation.
    const second = await knock.users.bulk.setPreferences({ user_ids: ['sdk-1', 'sdk-2'], preferences: { categories: { a: true } } });
    expect(sentKeys).toHaveLength(3);
    expect(sentKeys[2]).not.toBe(sentKeys[0]);
    expect(second.id).not.toBe(operation.id);
    expect(await jobIds()).toEqual([...jobsBefore, operation.id, second.id].sort());
  });
});
