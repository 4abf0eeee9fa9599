import request from 'supertest';
import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { createBulkQueue, createWorkerConnection, type BulkQueue, type RedisConnection } from '@prefs/queue';
import { userIds } from '@prefs/testing';
import { useApiTestContext } from './api-test-context';

/**
 * Cancelling an operation and listing its items, against the API alone (no worker runs, so each
 * operation's progress is set here in the database). Cancelling under running workers, batches in
 * flight and killed workers: tests/system/faults/cancel.test.ts.
 */
const context = useApiTestContext();
let connection: RedisConnection;
let queue: BulkQueue;

beforeAll(() => {
  connection = createWorkerConnection(context.env.redisUrl);
  queue = createBulkQueue(connection, context.env.redisPrefix);
});

afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
});

async function record(ids: string[]): Promise<string> {
  const { operation } = await createBulkOperation(context.env.db, {
    environmentId: context.env.environmentId,
    operation: setPreferencesOperation({ userIds: ids, setId: 'default', strategy: 'replace', document: {} }),
    idempotencyKey: null,
    requestHash: `h-${ids[0]}`,
  });
  return operation.id;
}

/** Moves an operation along as a worker would have: `processed` rows handled, `errorIds` of them refused. */
async function progress(id: string, status: string, processed: number, errorItems: object[] = []): Promise<void> {
  await context.env.db.$executeRawUnsafe(
    `UPDATE bulk_operations SET status = $2::text, processed_rows = $3::int, success_count = $3::int - $4::int, error_count = $4::int,
       error_items = $5::jsonb, started_at = now(), completed_at = CASE WHEN $2::text = 'completed' THEN now() END,
       failed_at = CASE WHEN $2::text = 'failed' THEN now() END
     WHERE id = $1::uuid`,
    id,
    status,
    processed,
    errorItems.length,
    JSON.stringify(errorItems),
  );
}

const cancel = (id: string, key?: string) => request(context.api.app).post(`/v1/bulk_operations/${id}/cancel`).set(context.auth(key));
const items = (id: string, query: Record<string, string> = {}) => request(context.api.app).get(`/v1/bulk_operations/${id}/items`).query(query).set(context.auth());

async function cancelledCount(): Promise<number> {
  const metrics = await request(context.api.app).get('/metrics');
  const line = metrics.text.split('\n').find((text) => text.startsWith('prefs_bulk_operations_cancelled_total '));
  return Number(line?.split(' ')[1]);
}

describe('POST /v1/bulk_operations/:id/cancel', () => {
  it('ends a queued operation at once, removes its waiting job, answers the same again, and counts it once', async () => {
    const accepted = await request(context.api.app).post('/v1/users/bulk/preferences').set(context.auth()).send({ user_ids: userIds(3, 'cq'), preferences: {} });
    expect(accepted.status).toBe(200);
    expect(await (await queue.getJob(accepted.body.id))?.getState()).toBe('waiting');
    const before = await cancelledCount();

    const res = await cancel(accepted.body.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: accepted.body.id, status: 'failed', failure_reason: 'cancelled', processed_rows: 0, success_count: 0, started_at: null });
    expect(res.body.cancelled_at).toEqual(res.body.failed_at);
    expect(Date.parse(res.body.cancel_requested_at)).toBeLessThanOrEqual(Date.parse(res.body.cancelled_at));
    expect(await queue.getJob(accepted.body.id)).toBeUndefined();

    const again = await cancel(accepted.body.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect(await cancelledCount()).toBe(before + 1);
    expect((await request(context.api.app).get(`/v1/bulk_operations/${accepted.body.id}`).set(context.auth())).body).toEqual(res.body);
  });

  it('ends a processing operation with its counts as they stand', async () => {
    const id = await record(userIds(4, 'cp'));
    await progress(id, 'processing', 2, [{ id: 'cp-0001', collection: null, reason: 'stored_set_not_object' }]);
    const res = await cancel(id);
    expect(res.body).toMatchObject({ status: 'failed', failure_reason: 'cancelled', processed_rows: 2, success_count: 1, error_count: 1 });
    // Knock's error items carry no reason: the items endpoint does.
    expect(res.body.error_items).toEqual([{ id: 'cp-0001', collection: null }]);
  });

  it('answers 422 bulk_operation_finished for a completed or failed operation, and changes nothing', async () => {
    for (const status of ['completed', 'failed']) {
      const id = await record(userIds(2, `cf-${status}`));
      await progress(id, status, status === 'completed' ? 2 : 1);
      const res = await cancel(id);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ code: 'bulk_operation_finished', message: expect.stringContaining(status), status: 422, type: 'invalid_request_error' });
      const stored = (await request(context.api.app).get(`/v1/bulk_operations/${id}`).set(context.auth())).body;
      expect(stored).toMatchObject({ status, cancel_requested_at: null, cancelled_at: null, failure_reason: status === 'failed' ? 'error' : null });
    }
  });

  it('answers 404 for an unknown id, a malformed one, and another environment\'s operation', async () => {
    const id = await record(userIds(1, 'cn'));
    for (const res of [await cancel('00000000-0000-4000-8000-000000000000'), await cancel('not-a-uuid'), await cancel(id, context.otherKey)]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('resource_missing');
    }
    expect((await request(context.api.app).get(`/v1/bulk_operations/${id}`).set(context.auth())).body.status).toBe('queued');
  });
});

describe('GET /v1/bulk_operations/:id/items', () => {
  it('lists every key in batch order with its outcome, the failed ones with why, paged by cursor', async () => {
    const ids = userIds(7, 'it');
    const id = await record(ids);
    await progress(id, 'processing', 5, [
      { id: ids[1], collection: null, reason: 'too_many_preference_sets' },
      { id: ids[3], collection: null },
    ]);
    const all = await items(id);
    expect(all.status).toBe(200);
    expect(all.body.entries).toEqual([
      { id: ids[0], collection: null, status: 'succeeded' },
      { id: ids[1], collection: null, status: 'failed', reason: 'too_many_preference_sets' },
      { id: ids[2], collection: null, status: 'succeeded' },
      // An error item recorded before reasons were kept has none.
      { id: ids[3], collection: null, status: 'failed' },
      { id: ids[4], collection: null, status: 'succeeded' },
      { id: ids[5], collection: null, status: 'pending' },
      { id: ids[6], collection: null, status: 'pending' },
    ]);
    expect(all.body.page_info).toEqual({ __typename: 'PageInfo', after: null, before: null, page_size: 50 });

    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: request.Response = await items(id, { page_size: '2', ...(after ? { after } : {}) });
      expect(page.body.entries.length).toBeLessThanOrEqual(2);
      walked.push(...page.body.entries.map((entry: { id: string }) => entry.id));
      after = page.body.page_info.after;
    } while (after);
    expect(walked).toEqual(ids);

    expect((await items(id, { status: 'failed' })).body.entries.map((entry: { id: string }) => entry.id)).toEqual([ids[1], ids[3]]);
    const succeeded = await items(id, { status: 'succeeded', page_size: '2' });
    expect(succeeded.body.entries.map((entry: { id: string }) => entry.id)).toEqual([ids[0], ids[2]]);
    const rest = await items(id, { status: 'succeeded', page_size: '2', after: succeeded.body.page_info.after });
    expect(rest.body).toMatchObject({ entries: [{ id: ids[4], status: 'succeeded' }], page_info: { after: null } });
  });

  it('shows the keys a cancelled operation never reached as skipped', async () => {
    const ids = userIds(3, 'is');
    const id = await record(ids);
    await progress(id, 'processing', 1);
    expect((await cancel(id)).status).toBe(200);
    expect((await items(id)).body.entries.map((entry: { status: string }) => entry.status)).toEqual(['succeeded', 'skipped', 'skipped']);
    expect((await items(id, { status: 'pending' })).body.entries).toEqual([]);
  });

  it('answers 410 once the input is pruned, 404 for an unknown or foreign operation, 422 naming bad parameters', async () => {
    const id = await record(userIds(2, 'ip'));
    await progress(id, 'completed', 2);
    await context.env.db.$executeRawUnsafe(`UPDATE bulk_operations SET keys = '{}', input = NULL, input_pruned_at = now() WHERE id = $1::uuid`, id);
    const pruned = await items(id);
    expect(pruned.status).toBe(410);
    expect(pruned.body).toMatchObject({ code: 'bulk_operation_items_pruned', status: 410 });

    expect((await items('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const foreign = await request(context.api.app).get(`/v1/bulk_operations/${id}/items`).set(context.auth(context.otherKey));
    expect(foreign.status).toBe(404);

    const bad = await items(id, { status: 'done', page_size: '0', after: 'nope!' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['after', 'page_size', 'status']);
  });
});
