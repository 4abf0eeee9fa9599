import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { enqueueBulkOperation } from '@prefs/queue';
import { userIds, waitFor } from '@prefs/testing';
import { useWorkerTestContext } from './worker-test-context';

/**
 * Errors are classified once (isTransientError): a permanent one fails the operation at once with its
 * reason stored, a transient one is retried, in the job and then by BullMQ's attempts. The faults are
 * real PostgreSQL errors, raised by a trigger on preference_sets for chosen users.
 */
const t = useWorkerTestContext({
  prepare: async (env) => {
    await env.db.$executeRawUnsafe('CREATE SEQUENCE flaky_writes');
    await env.db.$executeRawUnsafe(`
      CREATE FUNCTION faulty_preference_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.recipient_id LIKE 'poisoned-%' THEN
          RAISE EXCEPTION 'refused to store %', NEW.recipient_id USING ERRCODE = 'P0001';
        END IF;
        -- The first 8 batch statements touching flaky users fail as a serialization failure would.
        IF NEW.recipient_id LIKE 'flaky-%' AND nextval('flaky_writes') <= 8 THEN
          RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`);
    await env.db.$executeRawUnsafe(
      'CREATE TRIGGER faulty_preference_write BEFORE INSERT ON preference_sets FOR EACH ROW EXECUTE FUNCTION faulty_preference_write()',
    );
  },
});

/**
 * The operation's job once BullMQ has ended it in `state`: the row is marked ended before the job's own
 * ending reaches Redis, so a job read at once may still show the attempt in progress.
 */
async function settledJob(id: string, state: 'failed' | 'completed') {
  return waitFor(async () => {
    const job = await t.queue.getJob(id);
    return job && (await job.getState()) === state ? job : null;
  });
}

async function submit(ids: string[], document: Record<string, unknown>, strategy: 'replace' | 'merge' = 'replace'): Promise<string> {
  const { operation } = await createBulkOperation(t.env.db, {
    environmentId: t.env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy, document }),
    idempotencyKey: null,
    requestHash: ids[0],
  });
  await enqueueBulkOperation(t.queue, operation.id);
  return operation.id;
}

interface StoredOutcome {
  status: string;
  processed_rows: number;
  success_count: number;
  error_count: number;
  failure_reason: string | null;
  failed_at: Date | null;
  inserted_at: Date;
}

async function outcome(id: string): Promise<StoredOutcome> {
  const rows = await t.env.db.$queryRawUnsafe<StoredOutcome[]>(
    'SELECT status, processed_rows, success_count, error_count, failure_reason, failed_at, inserted_at FROM bulk_operations WHERE id = $1::uuid',
    id,
  );
  return rows[0];
}

async function finished(id: string): Promise<StoredOutcome> {
  return waitFor(async () => {
    const current = await outcome(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000);
}

it.each([
  ['replace', 'replace'],
  ['merge', 'merge'],
] as const)('a permanent error (%s) fails the operation within seconds, after one attempt, with the reason stored', async (_name, strategy) => {
  // Users 0-299 are fine, then a poisoned one: the batch of users 300-399 can never be written.
  const ids = [...userIds(300, `fine-${strategy}`), `poisoned-${strategy}`].sort();
  const id = await submit(ids, { __persistence_strategy__: strategy, categories: { news: true } }, strategy);

  const done = await finished(id);
  expect(done.status).toBe('failed');
  expect(done.failure_reason).toBe(`refused to store poisoned-${strategy} (SQLSTATE P0001)`);
  // Within seconds, not the minutes of eight backed-off attempts.
  expect((done.failed_at?.getTime() ?? Infinity) - done.inserted_at.getTime()).toBeLessThan(5_000);
  // The batches before the poisoned one stay written and counted; nothing after it was tried.
  expect(done).toMatchObject({ processed_rows: 300, success_count: 300, error_count: 0 });
  const job = await settledJob(id, 'failed');
  expect(job.attemptsMade).toBe(1);
  expect(job.failedReason).toBe(`refused to store poisoned-${strategy} (SQLSTATE P0001)`);
  expect(t.logs.filter((line) => line.operationId === id && line.msg === 'batch failed; retrying')).toEqual([]);
});

it('a transient error is retried in the job, then by another attempt, and the operation completes exactly', async () => {
  const ids = userIds(250, 'flaky');
  const id = await submit(ids, { categories: { news: false } });

  const done = await finished(id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 250, success_count: 250, error_count: 0, failure_reason: null });
  // Six tries in the first attempt (five retries logged), then the job's second attempt succeeds after two more.
  const retries = t.logs.filter((line) => line.operationId === id && line.msg === 'batch failed; retrying');
  expect(retries.length).toBe(5 + 2);
  expect(retries.every((line) => line.batchStart === 0)).toBe(true);
  const job = await settledJob(id, 'completed');
  expect(job.attemptsMade).toBe(2);
  const stored = await t.env.db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id LIKE 'flaky-%' AND preferences = '{"categories": {"news": false}}'::jsonb`,
    t.env.environmentId,
  );
  expect(stored[0].n).toBe(250);
});

it.each([
  ['an input its kind cannot parse', `input = '{"set_id": 5, "document": {}}'`, (id: string) => `operation ${id} (users.set_preferences:replace) has an invalid input: input.set_id must be a string, got number`],
  ['a kind no worker knows', `kind = 'users.set_preferences:overwrite'`, (id: string) => `no kind of bulk operation is users.set_preferences:overwrite (operation ${id})`],
])('%s fails the operation at once, before any batch, with the reason stored', async (_name, change, reason) => {
  const ids = userIds(150, `unrunnable-${change.slice(0, 4)}`);
  const { operation } = await createBulkOperation(t.env.db, {
    environmentId: t.env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy: 'replace', document: { categories: { news: true } } }),
    idempotencyKey: null,
    requestHash: ids[0],
  });
  // Only a hand-edited row can carry either: the API records what the kind's payload schema reads.
  await t.env.db.$executeRawUnsafe(`UPDATE bulk_operations SET ${change} WHERE id = $1::uuid`, operation.id);
  await enqueueBulkOperation(t.queue, operation.id);

  const done = await finished(operation.id);
  expect(done).toMatchObject({ status: 'failed', processed_rows: 0, success_count: 0, failure_reason: reason(operation.id) });
  const job = await settledJob(operation.id, 'failed');
  expect(job.attemptsMade).toBe(1);
  expect(job.failedReason).toBe(reason(operation.id));
  const stored = await t.env.db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id LIKE 'unrunnable-%'`,
    t.env.environmentId,
  );
  expect(stored[0].n).toBe(0);
});
