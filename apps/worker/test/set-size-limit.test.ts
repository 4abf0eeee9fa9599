import { createLogger } from '@prefs/logger';
import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { createBulkQueue, createWorkerConnection, enqueueBulkOperation, type BulkQueue, type RedisConnection } from '@prefs/queue';
import { createTestEnvironment, userIds, waitFor, workflowsOfSize, type TestEnvironment } from '@prefs/testing';
import { Writable } from 'node:stream';
import { createWorker, type PrefsWorker } from '../src/worker';

/**
 * A bulk write that would make some users' sets pass 64 KiB (as stored) makes those users error items
 * and writes the others, in the same batch; the stored sets of the refused users stay as they were.
 */
let env: TestEnvironment;
let worker: PrefsWorker;
let connection: RedisConnection;
let queue: BulkQueue;

beforeAll(async () => {
  env = await createTestEnvironment();
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  worker = createWorker(env.workerConfig({ batchSize: 100 }), { db: env.db, logger: createLogger({ service: 'worker', level: 'info', destination: quiet }) });
  await worker.start();
  connection = createWorkerConnection(env.redisUrl);
  queue = createBulkQueue(connection, env.redisPrefix);
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  connection?.disconnect();
  await env?.cleanup();
});

async function run(ids: string[], document: Record<string, unknown>, strategy: 'replace' | 'merge') {
  const { operation } = await createBulkOperation(env.db, {
    environmentId: env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy, document }),
    idempotencyKey: null,
    requestHash: `${strategy}-${ids[0]}`,
  });
  await enqueueBulkOperation(queue, operation.id);
  return waitFor(async () => {
    const rows = await env.db.$queryRawUnsafe<{ status: string; success_count: number; error_count: number; error_items: { id: string }[] }[]>(
      'SELECT status, success_count, error_count, error_items FROM bulk_operations WHERE id = $1::uuid',
      operation.id,
    );
    return rows[0]?.status === 'completed' || rows[0]?.status === 'failed' ? rows[0] : null;
  }, 60_000);
}

async function storedBytes(userId: string): Promise<number | null> {
  const rows = await env.db.$queryRawUnsafe<{ bytes: number }[]>(
    "SELECT pg_column_size(preferences) AS bytes FROM preference_sets WHERE user_id = $1 AND set_id = 'default'",
    userId,
  );
  return rows[0]?.bytes ?? null;
}

it('a bulk merge refuses exactly the users whose merged set would pass the limit, and writes the rest', async () => {
  const ids = userIds(250, 'merge');
  const full = [ids[3], ids[120], ids[249]];
  // Those three already hold 40 KiB; 40 KiB more would pass 64 KiB. The others hold little or nothing.
  const seeded = await run(full, { workflows: workflowsOfSize(40, 'a') }, 'replace');
  expect(seeded).toMatchObject({ status: 'completed', success_count: 3 });
  const before = await Promise.all(full.map(storedBytes));

  const done = await run(ids, { workflows: workflowsOfSize(40, 'b'), __persistence_strategy__: 'merge' }, 'merge');
  expect(done).toMatchObject({ status: 'completed', success_count: 247, error_count: 3 });
  expect(done.error_items.map((item) => item.id).sort()).toEqual([...full].sort());
  expect(await Promise.all(full.map(storedBytes))).toEqual(before);
  const written = await env.db.$queryRawUnsafe<{ n: number }[]>(
    "SELECT count(*)::int AS n FROM preference_sets WHERE user_id LIKE 'merge-%' AND preferences -> 'workflows' ? $1",
    Object.keys(workflowsOfSize(1, 'b'))[0],
  );
  expect(written[0].n).toBe(247);
});
