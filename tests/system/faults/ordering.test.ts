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
  SECOND_MERGE,
  seedUsers,
  startWorker,
  userRange,
  variedInitialState,
  waitForStatus,
  waitForWorkerLockWaits,
  type ApiHandle,
  type LogLine,
  type ManagedProcess,
  useFaultSuite,
} from './support';

/**
 * Issue 3, item 5: two operations accepted one after the other over overlapping users, run by two
 * workers (one job each at a time), leave every user as applying them in acceptance order would.
 * The first is held mid-operation by a row lock (users [300, 350)), so the second, picked up by the
 * other worker, reaches users the first has not written yet: only the ordering rule keeps it back.
 */
let env: TestEnvironment;
let api: ApiHandle;

useFaultSuite({ withApi: true }, (created, startedApi) => {
  env = created;
  if (startedApi) api = startedApi;
});

function startedBy(workers: ManagedProcess[], operationId: string): ManagedProcess | undefined {
  return workers.find((worker) => worker.hasLogged((line) => line.msg === 'operation started' && line.operationId === operationId));
}

it.each([
  ['replace then merge', REPLACE_PREFERENCES, FIRST_MERGE],
  ['merge then merge', FIRST_MERGE, SECOND_MERGE],
])('%s over overlapping users on two workers: every user as applying them in acceptance order', async (name, firstPreferences, secondPreferences) => {
  const prefix = `order-${name.replace(/ /g, '-')}`;
  await fault(
    `${name}: op 1 over users 0-999 held mid-operation at user 300, op 2 over users 600-1599 accepted after it, two workers`,
    'op 2 is picked up by the other worker and held back until op 1 completes; both statuses and exact counts; all 1,600 users vs applying op 1 then op 2',
    async () => {
      const ids = userRange(prefix, 0, 1600);
      const initial = variedInitialState(ids);
      await seedUsers(env, initial);
      const lock = await lockUserRow(env, ids[301]);
      const workers = [
        await startWorker(env, `${prefix}-worker-a`, { env: { LOG_LEVEL: 'debug' } }),
        await startWorker(env, `${prefix}-worker-b`, { env: { LOG_LEVEL: 'debug' } }),
      ];

      const firstBody = { user_ids: ids.slice(0, 1000), preferences: firstPreferences };
      const first = await postBulk(api, env, firstBody);
      expect(first.status).toBe(200);
      await waitForWorkerLockWaits(env, 1);
      expect(await readOperation(env, first.id)).toMatchObject({ status: 'processing', processed_rows: 300 });

      const secondBody = { user_ids: ids.slice(600), preferences: secondPreferences };
      const second = await postBulk(api, env, secondBody);
      expect(second.status).toBe(200);
      // The other worker takes the second operation and must hold it back (were the rule broken, it
      // would run it to the end instead, which the check of every user below catches).
      const isHeldBack = (line: LogLine) => line.msg === 'waiting for an earlier operation on the same users' && line.operationId === second.id;
      await waitFor(async () => workers.some((worker) => worker.hasLogged(isHeldBack)) || (await readOperation(env, second.id)).status === 'completed', 60_000);
      await lock.release();

      const firstDone = await waitForStatus(env, first.id, ['completed', 'failed']);
      const secondDone = await waitForStatus(env, second.id, ['completed', 'failed']);
      expectCleanCounts(firstDone, 1000);
      expectCleanCounts(secondDone, 1000);
      const users = await expectEveryUser(env, applyInOrder(initial, [parseBulkRequest(firstBody), parseBulkRequest(secondBody)]));
      // Not one batch of op 2 before op 1 was done.
      expect(firstDone.completed_at).toBeInstanceOf(Date);
      expect(secondDone.started_at?.getTime()).toBeGreaterThanOrEqual(firstDone.completed_at?.getTime() ?? Infinity);
      const firstWorker = startedBy(workers, first.id);
      const heldBackBy = workers.find((worker) => worker.hasLogged(isHeldBack));
      expect(firstWorker?.name).toBeDefined();
      expect(heldBackBy?.name).toBeDefined();
      expect(heldBackBy?.name).not.toBe(firstWorker?.name);
      return `op 2, picked up by ${heldBackBy?.name} while op 1 ran on ${firstWorker?.name}, waited and started after op 1 completed; 1000/1000 each, ${users} users equal op 1 then op 2`;
    },
  );
});
