import { userRecipient } from '@prefs/core';
import { createBulkOperation, putPreferenceSet, setPreferencesOperation } from '@prefs/db';
import { enqueueBulkOperation } from '@prefs/queue';
import { userIds, waitFor } from '@prefs/testing';
import { useWorkerTestContext } from './worker-test-context';

/**
 * A bulk write holds each recipient to PREFERENCE_SETS_PER_RECIPIENT sets (3 here): a user who would get a
 * new set past it is an error item with their sets left as they were; a user at the limit who already
 * holds the set is written, and so is everyone else in the same batch.
 */
const LIMIT = 3;
const t = useWorkerTestContext({ config: { preferenceSetsPerRecipient: LIMIT } });

async function run(ids: string[], setId: string, document: Record<string, unknown>, strategy: 'replace' | 'merge') {
  const { operation } = await createBulkOperation(t.env.db, {
    environmentId: t.env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId, strategy, document }),
    idempotencyKey: null,
    requestHash: `${strategy}-${setId}-${ids[0]}`,
  });
  await enqueueBulkOperation(t.queue, operation.id);
  return waitFor(async () => {
    const rows = await t.env.db.$queryRawUnsafe<{ status: string; success_count: number; error_count: number; error_items: { id: string }[]; failure_reason: string | null }[]>(
      'SELECT status, success_count, error_count, error_items, failure_reason FROM bulk_operations WHERE id = $1::uuid',
      operation.id,
    );
    return rows[0]?.status === 'completed' || rows[0]?.status === 'failed' ? rows[0] : null;
  }, 60_000);
}

/** Each user's sets and their documents, as stored. */
async function storedSets(prefix: string): Promise<Record<string, Record<string, unknown>>> {
  const rows = await t.env.db.$queryRawUnsafe<{ user_id: string; set_id: string; preferences: unknown }[]>(
    'SELECT recipient_id AS user_id, set_id, preferences FROM preference_sets WHERE recipient_id LIKE $1 ORDER BY recipient_id, set_id',
    `${prefix}-%`,
  );
  const sets: Record<string, Record<string, unknown>> = {};
  for (const row of rows) (sets[row.user_id] ??= {})[row.set_id] = row.preferences;
  return sets;
}

/** 250 users in three batches: some at the limit without set `t`, one at the limit holding `t`, two just below it. */
async function seed(prefix: string) {
  const ids = userIds(250, prefix);
  const atLimit = [ids[0], ids[99], ids[100], ids[249]];
  const holdingTarget = ids[150];
  const belowLimit = [ids[1], ids[200]];
  for (const id of atLimit) for (const setId of ['a', 'b', 'c']) await putPreferenceSet(t.env.db, t.env.environmentId, userRecipient(id), setId, 'replace', { categories: { seeded: true } });
  for (const setId of ['a', 'b', 't']) await putPreferenceSet(t.env.db, t.env.environmentId, userRecipient(holdingTarget), setId, 'replace', { categories: { seeded: true } });
  for (const id of belowLimit) for (const setId of ['a', 'b']) await putPreferenceSet(t.env.db, t.env.environmentId, userRecipient(id), setId, 'replace', { categories: { seeded: true } });
  return { ids, atLimit, holdingTarget, belowLimit };
}

it.each(['replace', 'merge'] as const)('a bulk %s creates no set past the limit: those users are error items, the rest are written', async (strategy) => {
  const { ids, atLimit, holdingTarget, belowLimit } = await seed(strategy);
  const before = await storedSets(strategy);

  const done = await run(ids, 't', { categories: { bulk: true } }, strategy);
  expect(done).toMatchObject({ status: 'completed', success_count: 246, error_count: 4, failure_reason: null });
  expect(done.error_items.map((item) => item.id).sort()).toEqual([...atLimit].sort());
  expect(new Set(done.error_items.map((item) => (item as { reason?: string }).reason))).toEqual(new Set(['too_many_preference_sets']));

  const after = await storedSets(strategy);
  for (const id of atLimit) expect(after[id]).toEqual(before[id]);
  expect(Object.keys(after[holdingTarget]).sort()).toEqual(['a', 'b', 't']);
  expect(after[holdingTarget].t).toEqual(strategy === 'merge' ? { categories: { seeded: true, bulk: true } } : { categories: { bulk: true } });
  for (const id of belowLimit) expect(Object.keys(after[id]).sort()).toEqual(['a', 'b', 't']);
  const written = ids.filter((id) => (after[id]?.t as { categories?: { bulk?: boolean } } | undefined)?.categories?.bulk === true);
  expect(written).toHaveLength(246);
  expect(Math.max(...Object.values(after).map((sets) => Object.keys(sets).length))).toBe(LIMIT);
});

it('a bulk merge past both limits refuses the users of each and writes the rest', async () => {
  const ids = userIds(20, 'both');
  // The second user holds 3 sets (not t); the third holds a set t of about 40 KiB that 40 KiB more would pass 64 KiB.
  for (const setId of ['a', 'b', 'c']) await putPreferenceSet(t.env.db, t.env.environmentId, userRecipient(ids[1]), setId, 'replace', {});
  const large = (prefix: string) => Object.fromEntries(Array.from({ length: 160 }, (_, index) => [`${prefix}-${String(index).padStart(4, '0')}-`.padEnd(250, 'x'), true]));
  await putPreferenceSet(t.env.db, t.env.environmentId, userRecipient(ids[2]), 't', 'replace', { workflows: large('a') });

  const done = await run(ids, 't', { workflows: large('b') }, 'merge');
  expect(done).toMatchObject({ status: 'completed', success_count: 18, error_count: 2 });
  expect(done.error_items.map((item) => item.id).sort()).toEqual([ids[1], ids[2]]);
  const after = await storedSets('both');
  expect(Object.keys(after[ids[1]]).sort()).toEqual(['a', 'b', 'c']);
  expect(Object.keys((after[ids[2]].t as { workflows: object }).workflows)).toHaveLength(160);
  expect(Object.keys(after).filter((id) => after[id].t !== undefined)).toHaveLength(19);
});
