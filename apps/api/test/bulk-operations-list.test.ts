import request from 'supertest';
import { createBulkOperation, setPreferencesOperation } from '@prefs/db';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/** GET /v1/bulk_operations: newest first, Knock-style cursor pagination, status filter, scoping. */
let env: TestEnvironment;
let api: ApiProcess;
/** Every operation of the test environment, newest first, as the database orders them. */
let newestFirst: string[];

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig());
  // Seven operations recorded straight in the database (no worker runs, so their status is set here);
  // three share one inserted_at to the millisecond, so that ties must be broken by id.
  const statuses = ['queued', 'processing', 'completed', 'completed', 'failed', 'completed', 'queued'];
  for (const [index, status] of statuses.entries()) {
    const { operation } = await createBulkOperation(env.db, {
      environmentId: env.environmentId,
      operation: setPreferencesOperation({ userIds: [`u${index}`], setId: 'default', strategy: 'replace', document: {} }),
      idempotencyKey: null,
      requestHash: `h${index}`,
    });
    const insertedAt = index >= 2 && index <= 4 ? '2026-01-01T00:00:02.000Z' : `2026-01-01T00:00:0${index}.500Z`;
    await env.db.$executeRawUnsafe(
      `UPDATE bulk_operations SET status = $2, inserted_at = $3::timestamptz,
         processed_rows = CASE WHEN $2 = 'completed' THEN 1 ELSE 0 END,
         success_count = CASE WHEN $2 = 'completed' THEN 1 ELSE 0 END WHERE id = $1::uuid`,
      operation.id,
      status,
      insertedAt,
    );
  }
  const rows = await env.db.$queryRawUnsafe<{ id: string }[]>(
    'SELECT id FROM bulk_operations WHERE environment_id = $1::uuid ORDER BY inserted_at DESC, id DESC',
    env.environmentId,
  );
  newestFirst = rows.map((row) => row.id);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const auth = (key = env.secretKey) => ({ Authorization: `Bearer ${key}` });

async function list(query: Record<string, string>, key?: string) {
  return request(api.app).get('/v1/bulk_operations').query(query).set(auth(key));
}

const ids = (body: { entries: { id: string }[] }) => body.entries.map((entry) => entry.id);

describe('GET /v1/bulk_operations', () => {
  it('lists every operation newest first, 50 to a page by default, as BulkOperations with page_info', async () => {
    const res = await list({});
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(newestFirst);
    expect(res.body.page_info).toEqual({ __typename: 'PageInfo', after: null, before: null, page_size: 50 });
    expect(res.body.entries[0]).toMatchObject({ __typename: 'BulkOperation', name: 'users.set_preferences', progress_path: `/v1/bulk_operations/${newestFirst[0]}` });
    expect(res.body.entries[0]).not.toHaveProperty('user_ids');
  });

  it('walks forward with after and back with before, across ties, without gaps or repeats', async () => {
    const forward: string[][] = [];
    const cursors: (string | null)[] = [];
    let after: string | null = null;
    do {
      const res = await list({ page_size: '3', ...(after ? { after } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.page_info.page_size).toBe(3);
      forward.push(ids(res.body));
      cursors.push(res.body.page_info.before);
      after = res.body.page_info.after;
    } while (after);
    expect(forward).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
    expect(cursors[0]).toBeNull(); // nothing is newer than the first page

    // From the last page, `before` leads back page by page to the first.
    const backward: string[][] = [];
    let before: string | null = cursors[2];
    while (before) {
      const res = await list({ page_size: '3', before });
      expect(res.status).toBe(200);
      backward.push(ids(res.body));
      before = res.body.page_info.before;
      expect(res.body.page_info.after).not.toBeNull();
    }
    expect(backward).toEqual([newestFirst.slice(3, 6), newestFirst.slice(0, 3)]);
  });

  it('filters by status, paginating within the filter', async () => {
    const completed = await env.db.$queryRawUnsafe<{ id: string }[]>(
      "SELECT id FROM bulk_operations WHERE status = 'completed' ORDER BY inserted_at DESC, id DESC",
    );
    const first = await list({ status: 'completed', page_size: '2' });
    expect(ids(first.body)).toEqual(completed.slice(0, 2).map((row) => row.id));
    const second = await list({ status: 'completed', page_size: '2', after: first.body.page_info.after });
    expect(ids(second.body)).toEqual(completed.slice(2).map((row) => row.id));
    expect(second.body.page_info.after).toBeNull();
    for (const entry of [...first.body.entries, ...second.body.entries]) expect(entry.status).toBe('completed');
    expect(ids((await list({ status: 'failed' })).body)).toHaveLength(1);
  });

  it("shows another environment nothing of this one's operations", async () => {
    const other = await env.createEnvironment('list-other');
    const res = await list({}, other.secretKey);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ entries: [], page_info: { __typename: 'PageInfo', after: null, before: null, page_size: 50 } });
    // Nor does a cursor from this environment open the other's rows.
    const mine = await list({ page_size: '1' });
    expect(ids((await list({ after: mine.body.page_info.after }, other.secretKey)).body)).toEqual([]);
  });

  it('answers 422 naming each bad parameter', async () => {
    const cases: [Record<string, string>, string[]][] = [
      [{ page_size: '0' }, ['page_size']],
      [{ page_size: '51' }, ['page_size']],
      [{ page_size: 'ten' }, ['page_size']],
      [{ page_size: '2.5' }, ['page_size']],
      [{ status: 'done' }, ['status']],
      [{ after: 'not-a-cursor' }, ['after']],
      [{ before: Buffer.from('["yesterday","x"]').toString('base64url') }, ['before']],
      [{ after: '' }, ['after']],
      [{ status: 'nope', page_size: '-1' }, ['page_size', 'status']],
    ];
    for (const [query, fields] of cases) {
      const res = await list(query);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'invalid_params', status: 422 });
      expect(res.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(fields);
    }
    const page = await list({ page_size: '1' });
    const both = await list({ after: page.body.page_info.after, before: page.body.page_info.after });
    expect(both.status).toBe(422);
    expect(both.body.errors.map((error: { field: string }) => error.field)).toEqual(['before']);
    const repeated = await request(api.app).get('/v1/bulk_operations?status=queued&status=failed').set(auth());
    expect(repeated.status).toBe(422);
    expect(repeated.body.errors[0].field).toBe('status');
  });

  it('needs a secret key', async () => {
    expect((await request(api.app).get('/v1/bulk_operations')).status).toBe(401);
  });
});
