import { Client } from 'pg';
import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { createLogger } from '@prefs/logger';
import { createBulkQueue, createWorkerConnection, enqueueBulkOperation, type BulkQueue, type RedisConnection } from '@prefs/queue';
import { createTestEnvironment, userIds, waitFor, type TestEnvironment } from '@prefs/testing';
import { createWorker, type PrefsWorker } from '../src/worker';

/**
 * A batch whose statement loses its server three times in a row fails its operation
 * (`database_lost_during_batch`) instead of being retried forever; fewer losses, or losses split by a
 * batch that lands, are retried as before. The shared PostgreSQL is never restarted: the test holds a
 * row lock so that the batch statement waits, and terminates the waiting backend (57P01), as a crash or
 * an OOM kill would end it.
 */
let env: TestEnvironment;
let worker: PrefsWorker;
let connection: RedisConnection;
let queue: BulkQueue;
const lockHolders: Client[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
  worker = createWorker(env.workerConfig({ batchSize: 100 }), { db: env.db, logger: createLogger({ service: 'worker', level: 'silent' }) });
  await worker.start();
  connection = createWorkerConnection(env.redisUrl);
  queue = createBulkQueue(connection, env.redisPrefix);
});

afterEach(async () => {
  for (const holder of lockHolders.splice(0)) await holder.end();
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  connection?.disconnect();
  await env?.cleanup();
});

/** Users with a stored default set, so that a test can lock their rows. */
async function storedUsers(prefix: string, count: number): Promise<string[]> {
  const ids = userIds(count, prefix);
  await env.db.$executeRawUnsafe(
    `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences) SELECT $1::uuid, '$users', unnest($2::text[]), 'default', '{}'`,
    env.environmentId,
    ids,
  );
  return ids;
}

/** Holds the row lock of one user's set from a connection of its own, until `release`. */
async function lockUser(userId: string): Promise<{ release: () => Promise<void> }> {
  const holder = new Client({ connectionString: env.databaseUrl });
  await holder.connect();
  lockHolders.push(holder);
  await holder.query('BEGIN');
  await holder.query(`SELECT 1 FROM preference_sets WHERE environment_id = $1 AND recipient_id = $2 AND set_id = 'default' FOR UPDATE`, [env.environmentId, userId]);
  return { release: () => holder.query('COMMIT').then(() => undefined) };
}

async function submit(ids: string[], strategy: 'replace' | 'merge'): Promise<string> {
  const { operation } = await createBulkOperation(env.db, {
    environmentId: env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy, document: { categories: { news: false } } }),
    idempotencyKey: null,
    requestHash: ids[0],
  });
  await enqueueBulkOperation(queue, operation.id);
  return operation.id;
}

interface StoredOperation {
  status: string;
  processed_rows: number;
  success_count: number;
  error_count: number;
  failure_reason: string | null;
  lost_batches: number;
  has_input: boolean;
}

async function stored(id: string): Promise<StoredOperation> {
  const rows = await env.db.$queryRawUnsafe<StoredOperation[]>(
    `SELECT status, processed_rows, success_count, error_count, failure_reason, lost_batches, input IS NOT NULL AS has_input
     FROM bulk_operations WHERE id = $1::uuid`,
    id,
  );
  return rows[0];
}

const terminated = new Set<number>();

/**
 * Waits until the worker's batch statement waits on the test's lock with the operation at
 * `processedRows`, then terminates its backend, as a server going away would.
 */
async function loseServerUnderBatch(operationId: string, processedRows: number): Promise<void> {
  const pid = await waitFor(async () => {
    if ((await stored(operationId)).processed_rows !== processedRows) return null;
    const waiting = await env.db.$queryRawUnsafe<{ pid: number }[]>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%bulk_operations%' AND pid <> pg_backend_pid()`,
    );
    return waiting.map((row) => row.pid).find((candidate) => !terminated.has(candidate));
  });
  terminated.add(pid);
  await env.db.$queryRawUnsafe('SELECT pg_terminate_backend($1::int)', pid);
}

async function finished(id: string): Promise<StoredOperation> {
  return waitFor(async () => {
    const current = await stored(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 30_000);
}

it.each(['replace', 'merge'] as const)('three losses in a row of one batch (%s) fail the operation, its input kept', async (strategy) => {
  const ids = await storedUsers(`thrice-${strategy}`, 250);
  const lock = await lockUser(ids[150]);
  const id = await submit(ids, strategy);

  // Batch 0 lands; batch 1 (users 100-199) waits on the lock and loses its server three times.
  for (let loss = 0; loss < 3; loss += 1) await loseServerUnderBatch(id, 100);

  const done = await finished(id);
  expect(done).toMatchObject({
    status: 'failed',
    failure_reason: 'database_lost_during_batch',
    processed_rows: 100,
    success_count: 100,
    error_count: 0,
    lost_batches: 3,
    has_input: true,
  });
  const job = await queue.getJob(id);
  await waitFor(async () => (await job?.getState()) === 'failed');
  expect((await queue.getJob(id))?.failedReason).toBe('database_lost_during_batch');
  await lock.release();
});

it('the count is read from the row: two losses left by an earlier worker and one more fail the operation', async () => {
  const ids = await storedUsers('taken-over', 150);
  const lock = await lockUser(ids[10]);
  const { operation } = await createBulkOperation(env.db, {
    environmentId: env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy: 'replace', document: { categories: { news: false } } }),
    idempotencyKey: null,
    requestHash: ids[0],
  });
  // As a worker that counted two losses of batch 0 and then crashed would have left it.
  await env.db.$executeRawUnsafe('UPDATE bulk_operations SET lost_batches = 2 WHERE id = $1::uuid', operation.id);
  await enqueueBulkOperation(queue, operation.id);

  await loseServerUnderBatch(operation.id, 0);

  expect(await finished(operation.id)).toMatchObject({ status: 'failed', failure_reason: 'database_lost_during_batch', processed_rows: 0, lost_batches: 3, has_input: true });
  await lock.release();
});

it.each([1, 2])('%i loss(es) of each of two batches, each followed by the batch landing: completed with exact counts', async (lossesPerBatch) => {
  // 2 x 2 losses are four in all, but never three in a row: a batch that lands resets the count.
  const ids = await storedUsers(`recovers-${lossesPerBatch}`, 250);
  const firstLock = await lockUser(ids[50]);
  const secondLock = await lockUser(ids[150]);
  const id = await submit(ids, 'replace');

  for (let loss = 0; loss < lossesPerBatch; loss += 1) await loseServerUnderBatch(id, 0);
  // The loss before this try is counted before the batch runs again.
  await waitFor(async () => (await stored(id)).lost_batches === lossesPerBatch);
  await firstLock.release();
  // Batch 0 landed, and with it the count went back to 0.
  await waitFor(async () => {
    const current = await stored(id);
    return current.processed_rows === 100 && current.lost_batches === 0;
  });
  for (let loss = 0; loss < lossesPerBatch; loss += 1) await loseServerUnderBatch(id, 100);
  await waitFor(async () => (await stored(id)).lost_batches === lossesPerBatch);
  await secondLock.release();

  const done = await finished(id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 250, success_count: 250, error_count: 0, failure_reason: null, lost_batches: 0 });
  const written = await env.db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id LIKE $2 AND preferences -> 'categories' = '{"news": false}'::jsonb`,
    env.environmentId,
    `recovers-${lossesPerBatch}-%`,
  );
  expect(written[0].n).toBe(250);
});
