import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { enqueueBulkOperation } from '@prefs/queue';
import { userIds, waitFor, workflowsOfSize } from '@prefs/testing';
import { useWorkerTestContext } from './worker-test-context';

/**
 * A bulk write that would make some users' sets pass 64 KiB (as stored) makes those users error items
 * and writes the others, in the same batch; the stored sets of the refused users stay as they were.
 */
const t = useWorkerTestContext();

async function run(ids: string[], document: Record<string, unknown>, strategy: 'replace' | 'merge') {
  const { operation } = await createBulkOperation(t.env.db, {
    environmentId: t.env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy, document }),
    idempotencyKey: null,
    requestHash: `${strategy}-${ids[0]}`,
  });
  await enqueueBulkOperation(t.queue, operation.id);
  return waitFor(async () => {
    const rows = await t.env.db.$queryRawUnsafe<{ status: string; success_count: number; error_count: number; error_items: { id: string }[] }[]>(
      'SELECT status, success_count, error_count, error_items FROM bulk_operations WHERE id = $1::uuid',
      operation.id,
    );
    return rows[0]?.status === 'completed' || rows[0]?.status === 'failed' ? rows[0] : null;
  }, 60_000);
}

async function storedBytes(userId: string): Promise<number | null> {
  const rows = await t.env.db.$queryRawUnsafe<{ bytes: number }[]>(
    "SELECT pg_column_size(preferences) AS bytes FROM preference_sets WHERE recipient_id = $1 AND set_id = 'default'",
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
  // Each error item keeps why (GET /v1/bulk_operations/:id/items shows it).
  expect(new Set(done.error_items.map((item) => (item as { reason?: string }).reason))).toEqual(new Set(['preference_set_too_large']));
  expect(await Promise.all(full.map(storedBytes))).toEqual(before);
  const written = await t.env.db.$queryRawUnsafe<{ n: number }[]>(
    "SELECT count(*)::int AS n FROM preference_sets WHERE recipient_id LIKE 'merge-%' AND preferences -> 'workflows' ? $1",
    Object.keys(workflowsOfSize(1, 'b'))[0],
  );
  expect(written[0].n).toBe(247);
});
