import { createBulkQueue, createWorkerConnection } from '@prefs/queue';
import type { TestEnvironment } from '@prefs/testing';
import {
  fault,
  FIRST_MERGE,
  readOperation,
  startWorker,
  userRange,
  waitForStatus,
  waitForWorkerLockWaits,
  type ApiHandle,
  type LogLine,
  type ManagedProcess,
  useFaultSuite,
} from './support';
import { applyRuns, expectEveryKey, KEYED_KINDS, PREFERENCES, postOperation, TENANTS, type FaultKind } from './kinds';

/**
 * Issue 19, item 2: `POST /v1/bulk_operations/:id/cancel` under running worker processes. A row lock
 * held by the test stops the worker inside one batch, so the cancel always meets a batch in flight: that
 * batch lands whole (or, its worker SIGKILLed, whole or not at all), and no batch starts after the answer.
 * The counts are then exactly what was written, row by row.
 */
let env: TestEnvironment;
let api: ApiHandle;

useFaultSuite({ withApi: true }, (created, startedApi) => {
  env = created;
  if (startedApi) api = startedApi;
});

interface CancelAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends the cancel; the answer comes once the batch in flight has let go of the operation. */
async function cancel(id: string): Promise<CancelAnswer> {
  const response = await fetch(`${api.url}/v1/bulk_operations/${id}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${env.secretKey}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function items(id: string, query: string): Promise<{ id: string; status: string }[]> {
  const response = await fetch(`${api.url}/v1/bulk_operations/${id}/items?${query}`, { headers: { Authorization: `Bearer ${env.secretKey}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: { id: string; status: string }[] }).entries;
}

const batchesWritten = (worker: ManagedProcess, operationId: string) =>
  worker.logs.filter((line: LogLine) => line.msg === 'batch written' && line.operationId === operationId).map((line) => Number(line.batchStart));

/** Seeds 1,000 keys and stops a worker inside the batch holding `lockedKey` (50-key batches) of `write`. */
async function stoppedMidBatch(kind: FaultKind, prefix: string, write: Record<string, unknown>, lockedKey: number) {
  const ids = userRange(prefix, 0, 1000);
  const initial = kind.initialState(ids);
  await kind.seed(env, initial);
  const lock = await kind.lock(env, ids[lockedKey]);
  const worker = await startWorker(env, `${prefix}-worker-a`);
  const accepted = await postOperation(api, env, kind, ids, write);
  expect(accepted.status).toBe(200);
  await waitForWorkerLockWaits(env, 1);
  const batchStart = Math.floor(lockedKey / 50) * 50;
  expect(await readOperation(env, accepted.id)).toMatchObject({ status: 'processing', processed_rows: batchStart });
  return { ids, initial, lock, worker, operationId: accepted.id, batchStart };
}

/**
 * Sends the cancel and waits until it waits on the batch in flight (the API's connection on a lock);
 * the answer comes later (wrapped: an async function would wait for a promise it returns).
 */
async function cancelWaitingOnBatch(operationId: string): Promise<{ answer: Promise<CancelAnswer> }> {
  const answer = cancel(operationId);
  await waitForWorkerLockWaits(env, 1, 60_000, 'prefs-api');
  return { answer };
}

const CASES: [string, FaultKind, Record<string, unknown>][] = [
  [PREFERENCES.name, PREFERENCES, FIRST_MERGE],
  ...KEYED_KINDS.map((kind): [string, FaultKind, Record<string, unknown>] => [kind.name, kind, kind.first]),
];

it.each(CASES)('cancel mid-batch (%s): the batch in flight lands whole, no batch starts after the answer, counts exact', async (name, kind, write) => {
  await fault(
    `cancel a 1,000-key ${name} while its batch 500-549 is held on a row lock`,
    'the answer (status, reason, counts), no later batch in the worker log, every row (first 550 written, the rest untouched), the items',
    async () => {
      const { ids, initial, lock, worker, operationId } = await stoppedMidBatch(kind, `cancel-${name}`, write, 526);
      const { answer } = await cancelWaitingOnBatch(operationId);
      await lock.release();
      const cancelled = await answer;
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({
        status: 'failed',
        failure_reason: 'cancelled',
        processed_rows: 550,
        success_count: 550,
        error_count: 0,
        estimated_total_rows: 1000,
      });
      expect(cancelled.body.cancelled_at).toEqual(expect.any(String));
      expect(cancelled.body.failed_at).toEqual(cancelled.body.cancelled_at);
      expect(Date.parse(String(cancelled.body.cancel_requested_at))).toBeLessThanOrEqual(Date.parse(String(cancelled.body.cancelled_at)));

      // The worker finds it ended at its next batch, and writes nothing more.
      await worker.waitForLog((line) => line.msg.startsWith('operation ended while running') && line.operationId === operationId, 'saw the cancel');
      expect(Math.max(...batchesWritten(worker, operationId))).toBe(500);
      expect(await readOperation(env, operationId)).toMatchObject({ status: 'failed', processed_rows: 550, success_count: 550 });
      const rows = await expectEveryKey(env, kind, applyRuns(kind, initial, [[ids.slice(0, 550), write]]));

      expect((await items(operationId, 'status=skipped&page_size=2')).map((item) => item.id)).toEqual([ids[550], ids[551]]);
      expect((await items(operationId, 'page_size=1')).map((item) => item.status)).toEqual(['succeeded']);
      return `answered failed/cancelled at 550/1000 after batch 500-549 landed; the worker wrote no later batch; ${rows} rows as 550 written, 450 untouched`;
    },
  );
});

it.each([PREFERENCES, TENANTS].map((kind): [string, FaultKind] => [kind.name, kind]))('cancel, then SIGKILL the worker mid-batch (%s): the batch lands whole or not at all, and nothing after', async (_name, kind) => {
  await fault(
    `cancel a 1,000-key ${kind.name} held mid-batch (500-549), SIGKILL its worker, a second worker running`,
    'the answer is 500 or 550 processed, every row as exactly that many written, and nothing more once the second worker took the job',
    async () => {
      const write = kind === PREFERENCES ? FIRST_MERGE : kind.first;
      const { ids, initial, lock, worker, operationId } = await stoppedMidBatch(kind, `cancel-kill-${kind.name}`, write, 526);
      const { answer } = await cancelWaitingOnBatch(operationId);
      const second = await startWorker(env, `cancel-kill-${kind.name}-worker-b`);
      worker.signal('SIGKILL');
      expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await lock.release();
      const cancelled = await answer;
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'failed', failure_reason: 'cancelled', error_count: 0 });
      // A batch in one statement is committed by the killed worker's backend; one in a transaction rolls back.
      const processed = Number(cancelled.body.processed_rows);
      expect([500, 550]).toContain(processed);
      expect(cancelled.body.success_count).toBe(processed);

      // The second worker takes the dead worker's job over, finds the operation ended and runs nothing.
      await second.waitForLog((line) => line.msg.startsWith('operation already ended') && line.operationId === operationId, 'took the job and found it ended', 60_000);
      expect(batchesWritten(second, operationId)).toEqual([]);
      expect(await readOperation(env, operationId)).toMatchObject({ status: 'failed', processed_rows: processed });
      const rows = await expectEveryKey(env, kind, applyRuns(kind, initial, [[ids.slice(0, processed), write]]));
      return `answered failed/cancelled at ${processed}/1000; the second worker took the job over and wrote nothing; ${rows} rows as exactly ${processed} written`;
    },
  );
});

it('too late: a cancel that waited for the last batch leaves the operation completed, with cancel_requested_at; then 422', async () => {
  await fault(
    'cancel a 1,000-user merge while its last batch (950-999) is held on a row lock, then cancel it again',
    'the first answer is the completed operation with cancel_requested_at (not cancelled), every row written; the second is 422 bulk_operation_finished',
    async () => {
      const { ids, initial, lock, operationId } = await stoppedMidBatch(PREFERENCES, 'cancel-late', FIRST_MERGE, 976);
      const { answer } = await cancelWaitingOnBatch(operationId);
      await lock.release();
      const late = await answer;
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000, failure_reason: null, cancelled_at: null });
      expect(late.body.cancel_requested_at).toEqual(expect.any(String));
      await expectEveryKey(env, PREFERENCES, applyRuns(PREFERENCES, initial, [[ids, FIRST_MERGE]]));

      const again = await cancel(operationId);
      expect({ status: again.status, code: again.body.code }).toEqual({ status: 422, code: 'bulk_operation_finished' });
      return 'the waiting cancel answered completed 1000/1000 with cancel_requested_at; cancelling again: 422 bulk_operation_finished';
    },
  );
});

it('a queued operation ends at once and its job is removed; a later operation waiting on a cancelled one proceeds', async () => {
  await fault(
    'op 1 (users 0-999) held mid-batch, op 2 (users 600-1599) queued behind it, op 3 (users 300-1299) queued behind both; cancel op 2, then op 1',
    'op 2 ends at once with 0 processed and no job left; op 1 ends at 550; op 3 then runs to the end; every row as op 1 (first 550) then op 3',
    async () => {
      const { ids: first, initial, lock, worker, operationId: op1 } = await stoppedMidBatch(PREFERENCES, 'cancel-queue', FIRST_MERGE, 526);
      const more = userRange('cancel-queue', 1000, 1600);
      await PREFERENCES.seed(env, PREFERENCES.initialState(more));
      const all = [...first, ...more];
      const op2 = await postOperation(api, env, PREFERENCES, all.slice(600, 1600), FIRST_MERGE);
      const op3 = await postOperation(api, env, PREFERENCES, all.slice(300, 1300), FIRST_MERGE);

      const queued = await cancel(op2.id);
      expect(queued.status).toBe(200);
      expect(queued.body).toMatchObject({ status: 'failed', failure_reason: 'cancelled', processed_rows: 0, started_at: null });
      const connection = createWorkerConnection(env.redisUrl);
      const queue = createBulkQueue(connection, env.redisPrefix);
      try {
        expect(await queue.getJob(op2.id)).toBeUndefined();
      } finally {
        await queue.close();
        connection.disconnect();
      }

      const { answer } = await cancelWaitingOnBatch(op1);
      await lock.release();
      expect((await answer).body).toMatchObject({ status: 'failed', processed_rows: 550 });
      const third = await waitForStatus(env, op3.id, ['completed', 'failed']);
      expect(third).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000 });
      expect(await readOperation(env, op2.id)).toMatchObject({ status: 'failed', processed_rows: 0 });
      expect(batchesWritten(worker, op2.id)).toEqual([]);
      const initialAll = new Map([...initial, ...PREFERENCES.initialState(more)]);
      const rows = await expectEveryKey(env, PREFERENCES, applyRuns(PREFERENCES, initialAll, [[first.slice(0, 550), FIRST_MERGE], [all.slice(300, 1300), FIRST_MERGE]]));
      return `op 2 cancelled while queued (0 processed, job removed); op 1 cancelled at 550; op 3 then completed 1000/1000; ${rows} rows as op 1's 550 then op 3`;
    },
  );
});
