import { createBulkOperation } from '@prefs/db';
import type { TestEnvironment } from '@prefs/testing';
import {
  expectCleanCounts,
  fault,
  FIRST_MERGE,
  freePort,
  readOperation,
  REPLACE_PREFERENCES,
  startApi,
  startWorker,
  userRange,
  waitForStatus,
  reenqueued,
  useFaultSuite,
} from './support';
import { applyRuns, expectEveryKey, KEYED_KINDS, PREFERENCES, postOperation, type FaultKind } from './kinds';

/**
 * Issue 3, item 1: the dual write. The operation is committed in PostgreSQL before it is enqueued in
 * Redis; when the enqueue never happens (the API died in between, or Redis was down), the reconciler
 * in the workers must enqueue it, so that a 200 is never followed by a lost operation. For every kind.
 */
let env: TestEnvironment;

useFaultSuite({ withApi: false }, (created) => {
  env = created;
});

/** Per test: the preference kind with the write it always used, then each keyed kind with its first write. */
function cases(preferenceWrite: Record<string, unknown>): [string, FaultKind, Record<string, unknown>][] {
  return [[PREFERENCES.name, PREFERENCES, preferenceWrite], ...KEYED_KINDS.map((kind): [string, FaultKind, Record<string, unknown>] => [kind.name, kind, kind.first])];
}

it.each(cases(FIRST_MERGE))('an operation (%s) committed but never enqueued (the API died in between) is enqueued by the reconciler and completes exactly', async (name, kind, write) => {
  await fault(
    `${name} operation committed in PostgreSQL, never enqueued (as if the API died between commit and enqueue)`,
    'the reconciler enqueues it; status, exact counts, all 1,000 rows vs a clean run',
    async () => {
      const ids = userRange(`stranded-${name}`, 0, 1000);
      const initial = kind.initialState(ids);
      await kind.seed(env, initial);
      const worker = await startWorker(env, `stranded-${name}-worker`);
      // What the API does up to its commit, and nothing after.
      const { operation } = await createBulkOperation(env.db, { environmentId: env.environmentId, operation: kind.operation(ids, write), idempotencyKey: null, requestHash: `stranded-${name}` });

      const done = await waitForStatus(env, operation.id, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const rows = await expectEveryKey(env, kind, applyRuns(kind, initial, [[ids, write]]));
      // The log line travels through a pipe and may trail the database's completion: wait for it.
      await worker.waitForLog(reenqueued(operation.id), 'the reconciler re-enqueueing it', 10_000);
      return `re-enqueued by the reconciler; completed 1000/1000, ${rows} rows equal a clean run`;
    },
  );
});

it.each(cases(REPLACE_PREFERENCES))('Redis unreachable from the API at request time (%s): 200, recorded as queued, and completed once a worker reaches Redis', async (name, kind, write) => {
  await fault(
    `POST a ${name} to an API process whose REDIS_URL points at a closed port (Redis down at request time)`,
    'the answer is 200 queued and the row is in PostgreSQL; the reconciler enqueues it; status, exact counts, all 1,000 rows',
    async () => {
      const ids = userRange(`noredis-${name}`, 0, 1000);
      const initial = kind.initialState(ids);
      await kind.seed(env, initial);
      const api = await startApi(env, `api-without-redis-${name}`, { redisUrl: `redis://127.0.0.1:${await freePort()}` });
      const accepted = await postOperation(api, env, kind, ids, write);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ status: 'queued', estimated_total_rows: 1000 });
      expect((await readOperation(env, accepted.id)).status).toBe('queued');
      await api.process.waitForLog((line) => line.operationId === accepted.id && String(line.msg).startsWith('enqueue failed'), 'the failed enqueue', 10_000);

      // The API dies too, for good measure: the record alone must be enough.
      await api.process.stop();
      const worker = await startWorker(env, `noredis-${name}-worker`);
      const done = await waitForStatus(env, accepted.id, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const rows = await expectEveryKey(env, kind, applyRuns(kind, initial, [[ids, write]]));
      // The log line travels through a pipe and may trail the database's completion: wait for it.
      await worker.waitForLog(reenqueued(accepted.id), 'the reconciler re-enqueueing it', 10_000);
      return `answered 200 queued without Redis; re-enqueued by the reconciler; completed 1000/1000, ${rows} rows equal a clean run`;
    },
  );
});
