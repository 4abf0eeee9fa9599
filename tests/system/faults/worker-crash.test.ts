import { waitFor, type TestEnvironment } from '@prefs/testing';
import {
  expectCleanCounts,
  fault,
  FIRST_MERGE,
  readOperation,
  REPLACE_PREFERENCES,
  startWorker,
  userRange,
  waitForStatus,
  waitForWorkerLockWaits,
  type ApiHandle,
  useFaultSuite,
} from './support';
import { applyRuns, expectEveryKey, KEYED_KINDS, PREFERENCES, postOperation, type FaultKind } from './kinds';

/**
 * Issue 3, items 2 and 4: a worker process killed (SIGKILL) or asked to stop (SIGTERM) in the middle
 * of a 1,000-key operation, while a second worker runs. A row lock held by the test stops the first
 * worker inside the batch of keys [500, 550), so the fault always lands mid-batch. Each case runs for
 * every kind: preferences (with its own write), tenants.set and users.identify.
 */
let env: TestEnvironment;
let api: ApiHandle;

useFaultSuite({ withApi: true }, (created, startedApi) => {
  env = created;
  if (startedApi) api = startedApi;
});

/** Seeds 1,000 keys, stops worker `first` inside batch [500, 550) of `write`, starts a second worker. */
async function operationStoppedMidBatch(kind: FaultKind, prefix: string, write: Record<string, unknown>, firstWorkerEnv: Record<string, string> = {}) {
  const ids = userRange(prefix, 0, 1000);
  const initial = kind.initialState(ids);
  await kind.seed(env, initial);
  const lock = await kind.lock(env, ids[526]);
  const first = await startWorker(env, `${prefix}-worker-a`, { env: firstWorkerEnv });
  const accepted = await postOperation(api, env, kind, ids, write);
  expect(accepted.status).toBe(200);
  await waitForWorkerLockWaits(env, 1);
  expect(await readOperation(env, accepted.id)).toMatchObject({ status: 'processing', processed_rows: 500 });
  const second = await startWorker(env, `${prefix}-worker-b`);
  const expected = applyRuns(kind, initial, [[ids, write]]);
  return { lock, first, second, operationId: accepted.id, expected };
}

/** Per test: the preference kind with the write it always used, then each keyed kind with its first write. */
function cases(preferenceWrite: Record<string, unknown>): [string, FaultKind, Record<string, unknown>][] {
  return [[PREFERENCES.name, PREFERENCES, preferenceWrite], ...KEYED_KINDS.map((kind): [string, FaultKind, Record<string, unknown>] => [kind.name, kind, kind.first])];
}

it.each(cases(FIRST_MERGE))('SIGKILL mid-batch (%s): the other worker finishes the operation; every row as a clean run, counts exact', async (name, kind, write) => {
  await fault(
    `SIGKILL a worker mid-batch (keys 500-549) of a 1,000-key ${name} in 50-key batches, a second worker running`,
    'status, exact counts, all 1,000 rows vs a clean run, where the second worker took over',
    async () => {
      const { lock, first, second, operationId, expected } = await operationStoppedMidBatch(kind, `kill-${name}`, write);
      first.signal('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await lock.release();

      const done = await waitForStatus(env, operationId, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const rows = await expectEveryKey(env, kind, expected);
      const takeover = await second.waitForLog((line) => line.msg === 'operation started' && line.operationId === operationId, 'took over');
      // A writer in one statement (replace, merge) is committed by the killed worker's backend once the
      // lock is released (PostgreSQL notices the dropped client only after the statement), so B resumes
      // after it; a writer in a transaction is rolled back, so B writes it. Either way it is applied once.
      expect([500, 550]).toContain(takeover.processedRows);
      return `completed 1000/1000, 0 errors, ${rows} rows equal a clean run; worker B resumed at row ${takeover.processedRows}`;
    },
  );
});

it.each(cases(REPLACE_PREFERENCES))('SIGTERM mid-batch (%s): the worker finishes its batch, hands the operation back and exits 0; another worker finishes it', async (name, kind, write) => {
  await fault(
    `SIGTERM a worker mid-batch (keys 500-549) of a 1,000-key ${name}, a second worker running`,
    'exit code, hand-back point, status, exact counts, all 1,000 rows vs a clean run',
    async () => {
      const { lock, first, second, operationId, expected } = await operationStoppedMidBatch(kind, `term-${name}`, write);
      first.signal('SIGTERM');
      await first.waitForLog((line) => line.msg === 'shutting down', 'shutting down');
      await lock.release();

      // SHUTDOWN_TIMEOUT_MS is 15 s; the batch ends as soon as the lock goes, so this is a clean stop.
      expect(await first.exited).toEqual({ code: 0, signal: null });
      const handedBack = first.logs.find((line) => line.msg === 'shutting down: handing the operation back');
      expect(handedBack?.processedRows).toBe(550);

      const done = await waitForStatus(env, operationId, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const rows = await expectEveryKey(env, kind, expected);
      const takeover = await second.waitForLog((line) => line.msg === 'operation started' && line.operationId === operationId, 'took over');
      expect(takeover.processedRows).toBe(550);
      return `exit 0 after finishing batch 500-549, handed back at row 550, worker B resumed at 550; completed 1000/1000, ${rows} rows equal a clean run`;
    },
  );
});

it.each(cases(FIRST_MERGE))('SIGTERM while a batch is stuck (%s): the worker exits on its own after SHUTDOWN_TIMEOUT_MS; the operation still completes exactly', async (name, kind, write) => {
  await fault(
    `SIGTERM a worker whose batch of a ${name} is stuck on a row lock longer than SHUTDOWN_TIMEOUT_MS (3 s)`,
    'the process exits by itself while the batch is still stuck, then status, exact counts, all 1,000 rows',
    async () => {
      const { lock, first, operationId, expected } = await operationStoppedMidBatch(kind, `stuck-${name}`, write, { SHUTDOWN_TIMEOUT_MS: '3000' });
      first.signal('SIGTERM');
      // Bounded: it must go while the lock is still held (generous margin for a loaded machine).
      const exit = await waitFor(async () => (first.isRunning ? null : first.exited), 60_000, 100);
      // 1: it had to abandon a batch (README, "Stopping a worker"); the operation is not lost for that.
      expect(exit).toEqual({ code: 1, signal: null });
      expect(first.hasLogged((line) => line.msg === 'shutdown timed out; abandoning running jobs')).toBe(true);
      await lock.release();

      const done = await waitForStatus(env, operationId, ['completed', 'failed']);
      expectCleanCounts(done, 1000);
      const rows = await expectEveryKey(env, kind, expected);
      return `exited by itself (code ${exit.code}) with the batch still stuck; completed 1000/1000, ${rows} rows equal a clean run`;
    },
  );
});
