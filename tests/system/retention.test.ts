import request from 'supertest';
import { userIds, waitFor } from '@prefs/testing';
import { useApiAndWorker } from './api-and-worker';

/**
 * Issue 11, item 4: an ended operation keeps its input (user ids, preferences) for
 * OPERATION_RETENTION_DAYS, then the workers prune it; the operation stays readable as before.
 */
const t = useApiAndWorker({ operationRetentionDays: 30, pruneIntervalMs: 200 });


async function createCompleted(prefix: string): Promise<string> {
  const res = await request(t.api.app)
    .post('/v1/users/bulk/preferences')
    .set(t.auth())
    .send({ user_ids: userIds(1000, prefix), preferences: { categories: { marketing: false }, channel_types: { sms: false } } });
  expect(res.status).toBe(200);
  await waitFor(async () => {
    const got = await request(t.api.app).get(`/v1/bulk_operations/${res.body.id}`).set(t.auth());
    return got.body.status === 'completed';
  });
  return res.body.id as string;
}

interface StoredInput {
  has_user_ids: boolean;
  has_preferences: boolean;
  pruned: boolean;
  row_bytes: number;
}

async function storedInput(id: string): Promise<StoredInput> {
  const rows = await t.env.db.$queryRawUnsafe<StoredInput[]>(
    `SELECT cardinality(keys) > 0 AS has_user_ids, input IS NOT NULL AS has_preferences,
       input_pruned_at IS NOT NULL AS pruned, pg_column_size(b.*) AS row_bytes
     FROM bulk_operations b WHERE id = $1::uuid`,
    id,
  );
  return rows[0];
}

/** Moves an operation's whole life `days` into the past, as if it had ended then. */
async function age(id: string, days: number): Promise<void> {
  await t.env.db.$executeRawUnsafe(
    `UPDATE bulk_operations SET inserted_at = inserted_at - $2::int * interval '1 day', started_at = started_at - $2::int * interval '1 day',
       completed_at = completed_at - $2::int * interval '1 day', updated_at = updated_at - $2::int * interval '1 day'
     WHERE id = $1::uuid`,
    id,
    days,
  );
}

it('prunes the input of an operation ended more than 30 days ago, and still serves the operation unchanged', async () => {
  const expired = await createCompleted('expired');
  const recent = await createCompleted('recent');
  const before = await storedInput(expired);
  expect(before).toMatchObject({ has_user_ids: true, has_preferences: true, pruned: false });

  await age(expired, 31);
  await age(recent, 29);
  const served = await request(t.api.app).get(`/v1/bulk_operations/${expired}`).set(t.auth());

  await waitFor(async () => (await storedInput(expired)).pruned, 30_000, 100);
  const after = await storedInput(expired);
  expect(after).toMatchObject({ has_user_ids: false, has_preferences: false, pruned: true });
  expect(after.row_bytes).toBeLessThan(before.row_bytes / 10);

  // Served as before: the same resource, by id and in the listing.
  const again = await request(t.api.app).get(`/v1/bulk_operations/${expired}`).set(t.auth());
  expect(again.status).toBe(200);
  expect(again.body).toEqual(served.body);
  expect(again.body).toMatchObject({ status: 'completed', success_count: 1000, error_count: 0, error_items: [] });
  const listed = await request(t.api.app).get('/v1/bulk_operations').set(t.auth());
  expect(listed.body.entries.find((entry: { id: string }) => entry.id === expired)).toEqual(served.body);

  // Within its retention, the other keeps its input.
  expect(await storedInput(recent)).toMatchObject({ has_user_ids: true, has_preferences: true, pruned: false });
  process.stdout.write(`RETENTION | one 1,000-user operation's row: ${before.row_bytes} bytes with its input, ${after.row_bytes} after pruning\n`);
});

it('never prunes an operation that has not ended, however old', async () => {
  const rows = await t.env.db.$queryRawUnsafe<{ id: string }[]>(
    // processing under a live lease, so that no t.worker takes it meanwhile
    `INSERT INTO bulk_operations (environment_id, name, status, scope, strategy, kind, keys, input, estimated_total_rows,
       inserted_at, started_at, lease_until)
     VALUES ($1::uuid, 'users.set_preferences', 'processing', 'preferences:default', 'replace', 'users.set_preferences:replace', ARRAY['old-user'],
       '{"set_id": "default", "document": {}}', 1,
       now() - interval '400 days', now() - interval '400 days', now() + interval '1 hour')
     RETURNING id`,
    t.env.environmentId,
  );
  const pruned = await t.worker.pruner.pruneOnce();
  expect(pruned).toBe(0);
  expect(await storedInput(rows[0].id)).toMatchObject({ has_user_ids: true, has_preferences: true, pruned: false });
  await t.env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'failed', failed_at = now() WHERE id = $1::uuid`, rows[0].id);
});
