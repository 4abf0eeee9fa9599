import Knock from '@knocklabs/node';
import { Client } from 'pg';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../../apps/api/src/server';
import { createWorker, type PrefsWorker } from '../../apps/worker/src/worker';

/**
 * Bulk tenants set and bulk users identify end to end, through the official Knock Node SDK (1.35)
 * unchanged: `knock.tenants.bulk.set` and `knock.users.bulk.identify` answer a BulkOperation, a worker
 * carries it out in batches, and every tenant and user reads back as the single PUTs would leave it.
 */
let env: TestEnvironment;
let api: ApiProcess;
let worker: PrefsWorker;
let knock: Knock;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ port: 0 }));
  worker = createWorker(env.workerConfig({ batchSize: 128 }));
  await worker.start();
  knock = new Knock({ apiKey: env.secretKey, baseURL: api.url, maxRetries: 0 });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);

async function finished(id: string) {
  return waitFor(async () => {
    const current = await knock.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
}

it('knock.tenants.bulk.set: 1,000 items over 999 tenants (some as their id alone, one named twice) are set as PUT would', async () => {
  const tenantIds = ids('bulk-tenant', 999);
  // One tenant exists already: the bulk set merges into it.
  await knock.tenants.set(tenantIds[1], { name: 'Before', region: 'eu', settings: { branding: { primary_color: '#000000' } } });
  const tenants = tenantIds.map((id, index) =>
    index % 3 === 0 ? id : { id, name: `Tenant ${index}`, tier: index % 2 === 0 ? 'gold' : 'silver', settings: { branding: { primary_color: '#DF1A22' } } },
  );
  // Named twice: the second item applies after the first.
  tenants.push({ id: tenantIds[2], name: 'Renamed', tier: null } as unknown as (typeof tenants)[number]);

  const operation = await knock.tenants.bulk.set({ tenants: tenants as Parameters<typeof knock.tenants.bulk.set>[0]['tenants'] });
  expect(operation).toMatchObject({ __typename: 'BulkOperation', name: 'tenants.set', status: 'queued', estimated_total_rows: 999 });
  const done = await finished(operation.id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 999, success_count: 999, error_count: 0, error_items: [] });

  const plain = await knock.tenants.get(tenantIds[3]);
  expect(plain).toMatchObject({ id: tenantIds[3], name: null, settings: { branding: null, preference_set: null } });
  const merged = await knock.tenants.get(tenantIds[1]);
  expect(merged).toMatchObject({ id: tenantIds[1], name: 'Tenant 1', region: 'eu', tier: 'silver', settings: { branding: { primary_color: '#DF1A22' } } });
  const twice = await knock.tenants.get(tenantIds[2]);
  expect(twice).toMatchObject({ name: 'Renamed' });
  expect(twice).not.toHaveProperty('tier');
  const stored = await env.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM tenants WHERE environment_id = $1::uuid AND id LIKE 'bulk-tenant-%'`, env.environmentId);
  expect(stored[0].n).toBe(999);
});

it('knock.users.bulk.identify: 1,000 users are identified as PUT would, properties merged into stored ones', async () => {
  const userIds = ids('bulk-user', 1000);
  await knock.users.update(userIds[0], { name: 'Before', email: 'before@example.com', plan: 'free' } as Parameters<typeof knock.users.update>[1]);
  const users = userIds.map((id, index) => ({ id, name: `User ${index}`, plan: 'pro', timezone: 'Europe/Paris' }));

  const operation = await knock.users.bulk.identify({ users });
  expect(operation).toMatchObject({ __typename: 'BulkOperation', name: 'users.identify', status: 'queued', estimated_total_rows: 1000 });
  const done = await finished(operation.id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000, error_count: 0 });

  expect(await knock.users.get(userIds[0])).toMatchObject({ id: userIds[0], name: 'User 0', email: 'before@example.com', plan: 'pro', timezone: 'Europe/Paris' });
  expect(await knock.users.get(userIds[999])).toMatchObject({ id: userIds[999], name: 'User 999', email: null, plan: 'pro' });
  const listed = await knock.bulkOperations.get(operation.id);
  expect(listed.name).toBe('users.identify');
});

it('the SDK sees 422 naming the bad field, and no operation is recorded', async () => {
  const before = await env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations');
  const failure = await knock.users.bulk.identify({ users: [{ id: 'ok' }, { id: 'bad', timezone: 'Mars/Olympus' }] }).catch((error: unknown) => error);
  expect(failure).toMatchObject({ status: 422, error: { code: 'invalid_params', errors: [expect.objectContaining({ field: 'users.1.timezone' })] } });
  const after = await env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations');
  expect(after[0].n).toBe(before[0].n);
});

it('users.identify: a user whose properties would pass the stored limit fails alone, as an error item; the others are written', async () => {
  // 500 properties in five PUTs of 100 (a request's own limit): the user is full.
  for (let round = 0; round < 5; round += 1) {
    const properties = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`p${round * 100 + index}`, index]));
    await knock.users.update('full-user', properties as Parameters<typeof knock.users.update>[1]);
  }
  const operation = await knock.users.bulk.identify({ users: [{ id: 'fits-a', plan: 'pro' }, { id: 'full-user', one_more: true }, { id: 'fits-b', plan: 'pro' }] });
  const done = await finished(operation.id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 3, success_count: 2, error_count: 1, error_items: [{ id: 'full-user', collection: null }] });
  expect(await knock.users.get('fits-a')).toMatchObject({ plan: 'pro' });
  expect(await knock.users.get('fits-b')).toMatchObject({ plan: 'pro' });
  expect(await knock.users.get('full-user')).not.toHaveProperty('one_more');
});

it('knock.users.bulk.delete: 1,000 users holding sets, channel data, memberships and unsubscribes are removed with all of it, nobody else touched', async () => {
  const userIds = ids('bulk-gone', 1000);
  const keep = 'bulk-kept';
  const channel = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
  const headers = { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' };
  const call = (method: string, path: string, body?: unknown) => fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  await finished((await knock.users.bulk.identify({ users: userIds.map((id) => ({ id, name: id })) })).id);
  await finished((await knock.users.bulk.setPreferences({ user_ids: userIds, preferences: { categories: { a: true } } })).id);
  await knock.users.update(keep, { name: keep });
  await call('PUT', `/v1/users/${keep}/preferences/default`, { categories: { a: true } });
  for (const id of [userIds[0], userIds[999], keep]) {
    await call('PUT', `/v1/users/${id}/preferences/acme`, { workflows: { w: false } });
    await call('PUT', `/v1/users/${id}/channel_data/${channel}`, { data: { tokens: ['t'] } });
  }
  await call('POST', '/v1/audiences/bulk-delete/members?create_audience=true', { members: [{ user: { id: userIds[5] } }, { user: { id: keep } }] });
  await env.db.$executeRawUnsafe(
    `INSERT INTO unsubscribes (environment_id, user_id, link_id, source) SELECT $1::uuid, id, 'link-' || id, 'one_click' FROM unnest($2::text[]) AS id`,
    env.environmentId,
    [userIds[1], userIds[2], keep],
  );
  await env.db.$executeRawUnsafe(
    `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id)
     SELECT $1::uuid, 'projects', 'p-' || n, '$users', id FROM unnest($2::text[]) AS id, generate_series(1, 5) AS n`,
    env.environmentId,
    [userIds[3], userIds[998], keep],
  );
  const count = async (table: string, column = 'user_id') =>
    Number((await env.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table} WHERE ${column} LIKE 'bulk-gone-%'`))[0].n);
  expect(await count('preference_sets', 'recipient_id')).toBe(1002);

  // A user that was never there counts as deleted too.
  const operation = await knock.users.bulk.delete({ user_ids: [...userIds.slice(0, 999), 'bulk-gone-never-existed'] });
  expect(operation).toMatchObject({ __typename: 'BulkOperation', name: 'users.delete', status: 'queued', estimated_total_rows: 1000 });
  const done = await finished(operation.id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000, error_count: 0, error_items: [] });
  await finished((await knock.users.bulk.delete({ user_ids: [userIds[999] as string] })).id);

  for (const [table, column] of [['users', 'id'], ['preference_sets', 'recipient_id'], ['channel_data', 'recipient_id'], ['subscriptions', 'recipient_id'], ['audience_members', 'user_id'], ['unsubscribes', 'user_id']]) {
    expect({ table, left: await count(table as string, column) }).toEqual({ table, left: 0 });
  }
  expect((await knock.users.get(keep)).name).toBe(keep);
  expect((await (await call('GET', `/v1/users/${keep}/preferences`)).json()).map((set: { id: string }) => set.id).sort()).toEqual(['acme', 'default']);
  expect((await call('GET', `/v1/users/${keep}/channel_data/${channel}`)).status).toBe(200);
  expect(Number((await env.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM unsubscribes WHERE user_id = $1`, keep))[0].n)).toBe(1);
  expect(Number((await env.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM subscriptions WHERE recipient_id = $1`, keep))[0].n)).toBe(5);

  const refused = await call('POST', '/v1/users/bulk/delete', { user_ids: [] });
  expect(refused.status).toBe(422);
});

it('users.delete orders with the writes around it: a set accepted before lands first and is deleted, one accepted after recreates the set', async () => {
  const userIds = ids('bulk-order', 300);
  await finished((await knock.users.bulk.setPreferences({ user_ids: userIds, preferences: { categories: { seeded: true } } })).id);
  // Hold one user's row, so the first write stalls mid-operation while the worker's other jobs could run.
  const holder = new Client({ connectionString: env.databaseUrl });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query("SELECT 1 FROM preference_sets WHERE environment_id = $1 AND recipient_id = 'bulk-order-0150' FOR UPDATE", [env.environmentId]);
  try {
    const before = await knock.users.bulk.setPreferences({ user_ids: userIds, preferences: { categories: { before: true } } });
    const deleted = await knock.users.bulk.delete({ user_ids: userIds });
    const after = await knock.users.bulk.setPreferences({ user_ids: userIds.slice(0, 10), preferences: { id: 'acme', categories: { after: true } } });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await holder.query('COMMIT');
    for (const id of [before.id, deleted.id, after.id]) expect(await finished(id)).toMatchObject({ status: 'completed' });
  } finally {
    await holder.end();
  }
  const rows = await env.db.$queryRawUnsafe<{ user_id: string; set_id: string }[]>(`SELECT recipient_id AS user_id, set_id FROM preference_sets WHERE recipient_id LIKE 'bulk-order-%' ORDER BY recipient_id`);
  expect(rows).toEqual(userIds.slice(0, 10).map((user_id) => ({ user_id, set_id: 'acme' })));
});
