import { waitFor, type TestEnvironment } from '@prefs/testing';
import {
  applyInOrder,
  expectCleanCounts,
  expectEveryUser,
  fault,
  FIRST_MERGE,
  lockUserRow,
  logDirFor,
  parseBulkRequest,
  postBulk,
  readOperation,
  RedisServer,
  REPLACE_PREFERENCES,
  seedUsers,
  startApi,
  startWorker,
  terminateWorkerConnections,
  userRange,
  variedInitialState,
  waitForStatus,
  waitForWorkerLockWaits,
  type ApiHandle,
  reenqueued,
  useFaultSuite,
} from './support';

/**
 * Issue 3, items 3 and 1: PostgreSQL connections cut under a worker mid-batch, and Redis killed and
 * restarted empty mid-operation (with a request accepted while it is down).
 */
let env: TestEnvironment;
let api: ApiHandle;

useFaultSuite({ withApi: true }, (created, startedApi) => {
  env = created;
  if (startedApi) api = startedApi;
});

it.each([
  ['merge', FIRST_MERGE],
  ['replace', REPLACE_PREFERENCES],
])('pg_terminate_backend mid-batch (%s): the batch retries with backoff in the same worker; the operation completes exactly', async (strategy, preferences) => {
  await fault(
    `pg_terminate_backend on every worker connection mid-batch (users 500-549) of a 1,000-user ${strategy}`,
    'the worker stays up and retries the batch, status, exact counts, all 1,000 users vs a clean run',
    async () => {
      const ids = userRange(`pgkill-${strategy}`, 0, 1000);
      const initial = variedInitialState(ids);
      await seedUsers(env, initial);
      const lock = await lockUserRow(env, ids[526]);
      const worker = await startWorker(env, `pgkill-${strategy}-worker`);
      const body = { user_ids: ids, preferences };
      const accepted = await postBulk(api, env, body);
      expect(accepted.status).toBe(200);
      await waitForWorkerLockWaits(env, 1);
      expect(await readOperation(env, accepted.id)).toMatchObject({ status: 'processing', processed_rows: 500 });

      const terminated = await terminateWorkerConnections(env);
      expect(terminated).toBeGreaterThanOrEqual(1);
      await lock.release();

      const done = await waitForStatus(env, accepted.id, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const users = await expectEveryUser(env, applyInOrder(initial, [parseBulkRequest(body)]));
      expect(worker.isRunning).toBe(true);
      const retried = worker.logs.filter((line) => line.msg === 'batch failed; retrying' && line.operationId === accepted.id);
      expect(retried.map((line) => line.batchStart)).toContain(500);
      // The retry happened inside the job: its attempt was not used up (the operation started once).
      expect(worker.logs.filter((line) => line.msg === 'operation started' && line.operationId === accepted.id)).toHaveLength(1);
      return `${terminated} connections terminated; the worker retried batch 500 ${retried.length}x in-job and stayed up; completed 1000/1000, ${users} users equal a clean run`;
    },
  );
});

it('Redis killed and restarted empty mid-operation, a request accepted while it is down: both operations complete exactly', async () => {
  await fault(
    'kill -9 a private redis-server mid-batch of a 1,000-user replace, POST a 200-user merge while it is down, restart it empty',
    'the POST during the outage answers 200 and is recorded; the reconciler re-enqueues both lost jobs; two workers then run the first at once (guard); status, exact counts, all 1,200 users',
    async () => {
      const redis = await RedisServer.start(logDirFor(env));
      const redisApi = await startApi(env, 'redis-api', { redisUrl: redis.url });
      const ids = userRange('redis', 0, 1000);
      const lateIds = userRange('redis-late', 0, 200);
      const initial = variedInitialState(ids);
      await seedUsers(env, initial);
      for (const id of lateIds) initial.set(id, null);
      const lock = await lockUserRow(env, ids[526]);
      const workers = [
        await startWorker(env, 'redis-worker-a', { redisUrl: redis.url }),
        await startWorker(env, 'redis-worker-b', { redisUrl: redis.url }),
      ];

      const body = { user_ids: ids, preferences: REPLACE_PREFERENCES };
      const first = await postBulk(redisApi, env, body);
      expect(first.status).toBe(200);
      await waitForWorkerLockWaits(env, 1);
      expect(await readOperation(env, first.id)).toMatchObject({ status: 'processing', processed_rows: 500 });

      await redis.kill();
      const lateBody = { user_ids: lateIds, preferences: FIRST_MERGE };
      const late = await postBulk(redisApi, env, lateBody);
      expect(late.status).toBe(200);
      expect(late.body.status).toBe('queued');
      expect((await readOperation(env, late.id)).status).toBe('queued');
      await redis.restart();

      // The first operation's worker is still stuck in its batch; once its lease runs out the reconciler
      // enqueues it again, and the other worker's claim waits on the operation's row: two workers now
      // run it at once, and only the processed_rows guard keeps each batch counted once.
      await waitForWorkerLockWaits(env, 2);
      await lock.release();

      const done = await waitForStatus(env, first.id, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const lateDone = await waitForStatus(env, late.id, ['completed', 'failed']);
      expectCleanCounts(lateDone, 200);
      const users = await expectEveryUser(env, applyInOrder(initial, [parseBulkRequest(body), parseBulkRequest(lateBody)]));
      // Log lines travel through pipes and may trail the database: wait for them.
      await waitFor(async () => workers.some((worker) => worker.hasLogged(reenqueued(first.id))), 10_000);
      await waitFor(async () => workers.some((worker) => worker.hasLogged(reenqueued(late.id))), 10_000);
      return `POST during the outage: 200 queued; both jobs re-enqueued by the reconciler; completed 1000/1000 and 200/200, ${users} users equal a clean run`;
    },
  );
});
