import { waitFor, type TestEnvironment } from '@prefs/testing';
import {
  applyInOrder,
  expectCleanCounts,
  expectEveryUser,
  fault,
  FIRST_MERGE,
  lockUserRow,
  parseBulkRequest,
  postBulk,
  readOperation,
  REPLACE_PREFERENCES,
  seedUsers,
  startWorker,
  userRange,
  variedInitialState,
  waitForStatus,
  waitForWorkerLockWaits,
  type ApiHandle,
  useFaultSuite,
} from './support';

/**
 * Issue 3, items 2 and 4: a worker process killed (SIGKILL) or asked to stop (SIGTERM) in the middle
 * of a 1,000-user operation, while a second worker runs. A row lock held by the test stops the first
 * worker inside the batch of users [500, 550), so the fault always lands mid-batch.
 */
let env: TestEnvironment;
let api: ApiHandle;

useFaultSuite({ withApi: true }, (created, startedApi) => {
  env = created;
  if (startedApi) api = startedApi;
});

/** Seeds 1,000 users, stops worker `first` inside batch [500, 550) of `preferences`, starts a second worker. */
async function operationStoppedMidBatch(prefix: string, preferences: Record<string, unknown>, firstWorkerEnv: Record<string, string> = {}) {
  const ids = userRange(prefix, 0, 1000);
  const initial = variedInitialState(ids);
  await seedUsers(env, initial);
  const lock = await lockUserRow(env, ids[526]);
  const first = await startWorker(env, `${prefix}-worker-a`, { env: firstWorkerEnv });
  const body = { user_ids: ids, preferences };
  const accepted = await postBulk(api, env, body);
  expect(accepted.status).toBe(200);
  await waitForWorkerLockWaits(env, 1);
  expect(await readOperation(env, accepted.id)).toMatchObject({ status: 'processing', processed_rows: 500 });
  const second = await startWorker(env, `${prefix}-worker-b`);
  const expected = applyInOrder(initial, [parseBulkRequest(body)]);
  return { lock, first, second, operationId: accepted.id, expected };
}

it('SIGKILL mid-batch: the other worker finishes the operation; every user as a clean run, counts exact', async () => {
  await fault(
    'SIGKILL a worker mid-batch (users 500-549) of a 1,000-user merge in 50-user batches, a second worker running',
    'status, exact counts, all 1,000 users vs a clean run, where the second worker took over',
    async () => {
      const { lock, first, second, operationId, expected } = await operationStoppedMidBatch('kill', FIRST_MERGE);
      first.signal('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await lock.release();

      const done = await waitForStatus(env, operationId, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const users = await expectEveryUser(env, expected);
      const takeover = await second.waitForLog((line) => line.msg === 'operation started' && line.operationId === operationId, 'took over');
      expect(takeover.processedRows).toBe(500);
      return `completed 1000/1000, 0 errors, ${users} users equal a clean run; worker B resumed at row ${takeover.processedRows}`;
    },
  );
});

it('SIGTERM mid-batch: the worker finishes its batch, hands the operation back and exits 0; another worker finishes it', async () => {
  await fault(
    'SIGTERM a worker mid-batch (users 500-549) of a 1,000-user replace, a second worker running',
    'exit code, hand-back point, status, exact counts, all 1,000 users vs a clean run',
    async () => {
      const { lock, first, second, operationId, expected } = await operationStoppedMidBatch('term', REPLACE_PREFERENCES);
      first.signal('SIGTERM');
      await first.waitForLog((line) => line.msg === 'shutting down', 'shutting down');
      await lock.release();

      // SHUTDOWN_TIMEOUT_MS is 15 s; the batch ends as soon as the lock goes, so this is a clean stop.
      expect(await first.exited).toEqual({ code: 0, signal: null });
      const handedBack = first.logs.find((line) => line.msg === 'shutting down: handing the operation back');
      expect(handedBack?.processedRows).toBe(550);

      const done = await waitForStatus(env, operationId, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const users = await expectEveryUser(env, expected);
      const takeover = await second.waitForLog((line) => line.msg === 'operation started' && line.operationId === operationId, 'took over');
      expect(takeover.processedRows).toBe(550);
      return `exit 0 after finishing batch 500-549, handed back at row 550, worker B resumed at 550; completed 1000/1000, ${users} users equal a clean run`;
    },
  );
});

it('SIGTERM while a batch is stuck: the worker exits on its own after SHUTDOWN_TIMEOUT_MS; the operation still completes exactly', async () => {
  await fault(
    'SIGTERM a worker whose batch is stuck on a row lock longer than SHUTDOWN_TIMEOUT_MS (3 s)',
    'the process exits by itself while the batch is still stuck, then status, exact counts, all 1,000 users',
    async () => {
      const { lock, first, operationId, expected } = await operationStoppedMidBatch('stuck', FIRST_MERGE, { SHUTDOWN_TIMEOUT_MS: '3000' });
      first.signal('SIGTERM');
      // Bounded: it must go while the lock is still held (generous margin for a loaded machine).
      const exit = await waitFor(async () => (first.isRunning ? null : first.exited), 60_000, 100);
      // 1: it had to abandon a batch (README, "Stopping a worker"); the operation is not lost for that.
      expect(exit).toEqual({ code: 1, signal: null });
      expect(first.hasLogged((line) => line.msg === 'shutdown timed out; abandoning running jobs')).toBe(true);
      await lock.release();

      const done = await waitForStatus(env, operationId, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const users = await expectEveryUser(env, expected);
      return `exited by itself (code ${exit.code}) with the batch still stuck; completed 1000/1000, ${users} users equal a clean run`;
    },
  );
});
