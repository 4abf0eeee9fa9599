import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { enqueueBulkOperation } from '@prefs/queue';
import { waitFor } from '@prefs/testing';
import { useWorkerTestContext } from './worker-test-context';

/**
 * Fair scheduling in one worker with one slot (WORKER_CONCURRENCY 1): environment A's operations are all
 * in the queue before environment B's, and still B's are served in turn with A's, each run under the
 * job that yielded to it and found ended when its own job comes up. Who completes when is read from
 * PostgreSQL's completion order, never from a clock.
 */
const t = useWorkerTestContext({ config: { concurrency: 1, fairScheduling: true } });
let other: { environmentId: string };
let recorded = 0;

beforeAll(async () => {
  other = await t.env.createEnvironment('fair-b');
});

async function record(environmentId: string, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    recorded += 1;
    const { operation } = await createBulkOperation(t.env.db, {
      environmentId,
      operation: setPreferencesOperation({ userIds: [`${prefix}-${index}-a`, `${prefix}-${index}-b`], setId: 'default', strategy: 'replace', document: {} }),
      idempotencyKey: null,
      requestHash: `fair-${recorded}`,
    });
    ids.push(operation.id);
  }
  return ids;
}

/** Enqueues A's operations, then B's, while the queue is paused, then lets the worker go; returns the completion order. */
async function runInOrder(first: string[], second: string[]): Promise<string[]> {
  await t.queue.pause();
  for (const id of [...first, ...second]) await enqueueBulkOperation(t.queue, id);
  await t.queue.resume();
  const all = [...first, ...second];
  return waitFor(async () => {
    const rows = await t.env.db.$queryRawUnsafe<{ id: string; status: string; processed_rows: number }[]>(
      'SELECT id::text, status, processed_rows FROM bulk_operations WHERE id = ANY($1::uuid[]) ORDER BY completed_at, id',
      all,
    );
    if (rows.some((row) => row.status !== 'completed')) return null;
    expect(rows.every((row) => row.processed_rows === 2)).toBe(true);
    return rows.map((row) => row.id);
  }, 60_000);
}

it("serves a lone operation of another environment next, not after the first's whole backlog", async () => {
  const backlog = await record(t.env.environmentId, 'lone-a', 8);
  const [lone] = await record(other.environmentId, 'lone-b', 1);
  const order = await runInOrder(backlog, [lone]);
  expect(order.indexOf(lone)).toBeLessThanOrEqual(1);
  const served = t.logs.find((line) => line.msg === 'operation started (for fairness, under another job)' && line.operationId === lone);
  expect(served?.forJob).toEqual(expect.any(String));
  expect(backlog).toContain(served?.forJob);
  // Its own job, still waiting when the operation was done, was removed.
  await waitFor(async () => (await t.queue.getJob(lone)) === undefined, 10_000);
});

it('alternates two environments that both have a backlog', async () => {
  const first = await record(t.env.environmentId, 'both-a', 6);
  const second = await record(other.environmentId, 'both-b', 6);
  const order = await runInOrder(first, second);
  // First come, first served would complete all of A's six before any of B's.
  const firstHalf = order.slice(0, 6);
  expect(firstHalf.filter((id) => second.includes(id)).length).toBeGreaterThanOrEqual(2);
  expect(firstHalf.filter((id) => first.includes(id)).length).toBeGreaterThanOrEqual(2);
});
