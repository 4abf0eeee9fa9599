import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import type { TestEnvironment } from '@prefs/testing';
import {
  applyInOrder,
  expectCleanCounts,
  expectEveryUser,
  fault,
  FIRST_MERGE,
  freePort,
  parseBulkRequest,
  postBulk,
  readOperation,
  REPLACE_PREFERENCES,
  seedUsers,
  startApi,
  startWorker,
  userRange,
  variedInitialState,
  waitForStatus,
  reenqueued,
  useFaultSuite,
} from './support';

/**
 * Issue 3, item 1: the dual write. The operation is committed in PostgreSQL before it is enqueued in
 * Redis; when the enqueue never happens (the API died in between, or Redis was down), the reconciler
 * in the workers must enqueue it, so that a 200 is never followed by a lost operation.
 */
let env: TestEnvironment;

useFaultSuite({ withApi: false }, (created) => {
  env = created;
});

it('an operation committed but never enqueued (the API died in between) is enqueued by the reconciler and completes exactly', async () => {
  await fault(
    'operation committed in PostgreSQL, never enqueued (as if the API died between commit and enqueue)',
    'the reconciler enqueues it; status, exact counts, all 1,000 users vs a clean run',
    async () => {
      const ids = userRange('stranded', 0, 1000);
      const initial = variedInitialState(ids);
      await seedUsers(env, initial);
      const worker = await startWorker(env, 'stranded-worker');
      const body = { user_ids: ids, preferences: FIRST_MERGE };
      const input = parseBulkRequest(body);
      // What the API does up to its commit, and nothing after.
      const { operation } = await createBulkOperation(env.db, { environmentId: env.environmentId, operation: setPreferencesOperation(input), idempotencyKey: null, requestHash: 'stranded' });

      const done = await waitForStatus(env, operation.id, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const users = await expectEveryUser(env, applyInOrder(initial, [input]));
      // The log line travels through a pipe and may trail the database's completion: wait for it.
      await worker.waitForLog(reenqueued(operation.id), 'the reconciler re-enqueueing it', 10_000);
      return `re-enqueued by the reconciler; completed 1000/1000, ${users} users equal a clean run`;
    },
  );
});

it('Redis unreachable from the API at request time: 200, recorded as queued, and completed once a worker reaches Redis', async () => {
  await fault(
    'POST to an API process whose REDIS_URL points at a closed port (Redis down at request time)',
    'the answer is 200 queued and the row is in PostgreSQL; the reconciler enqueues it; status, exact counts, all 1,000 users',
    async () => {
      const ids = userRange('noredis', 0, 1000);
      const initial = variedInitialState(ids);
      await seedUsers(env, initial);
      const api = await startApi(env, 'api-without-redis', { redisUrl: `redis://127.0.0.1:${await freePort()}` });
      const body = { user_ids: ids, preferences: REPLACE_PREFERENCES };
      const accepted = await postBulk(api, env, body);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ status: 'queued', estimated_total_rows: 1000 });
      expect((await readOperation(env, accepted.id)).status).toBe('queued');
      await api.process.waitForLog((line) => line.operationId === accepted.id && String(line.msg).startsWith('enqueue failed'), 'the failed enqueue', 10_000);

      // The API dies too, for good measure: the record alone must be enough.
      await api.process.stop();
      const worker = await startWorker(env, 'noredis-worker');
      const done = await waitForStatus(env, accepted.id, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const users = await expectEveryUser(env, applyInOrder(initial, [parseBulkRequest(body)]));
      // The log line travels through a pipe and may trail the database's completion: wait for it.
      await worker.waitForLog(reenqueued(accepted.id), 'the reconciler re-enqueueing it', 10_000);
      return `answered 200 queued without Redis; re-enqueued by the reconciler; completed 1000/1000, ${users} users equal a clean run`;
    },
  );
});
