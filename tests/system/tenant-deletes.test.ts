import Knock from '@knocklabs/node';
import { Client } from 'pg';
import { waitFor } from '@prefs/testing';
import { useApiAndWorker } from './api-and-worker';

/**
 * Deleting tenants, one (`knock.tenants.delete`) or in bulk (`knock.tenants.bulk.delete`, a `tenants.delete`
 * operation), through the official Knock Node SDK unchanged: each tenant goes with its default set, every
 * user's set for it and its audience memberships, in chunks; its users, their default sets and their
 * unsubscribe events stay, and so does everything of another environment.
 */
const t = useApiAndWorker({ batchSize: 128 });
let other: { secretKey: string; environmentId: string };
let knock: Knock;
let otherKnock: Knock;

beforeAll(async () => {
  other = await t.env.createEnvironment('other');
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
  otherKnock = new Knock({ apiKey: other.secretKey, baseURL: t.api.url, maxRetries: 0 });
});

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);

async function finished(client: Knock, id: string) {
  return waitFor(async () => {
    const current = await client.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 120_000, 100);
}

/** Stored sets of `setId`, in environment `environmentId` (whoever's they are). */
async function setsOf(environmentId: string, setId: string): Promise<number> {
  const rows = await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM preference_sets WHERE environment_id = $1::uuid AND set_id = $2', environmentId, setId);
  return rows[0].n;
}

async function membershipsFor(environmentId: string, tenant: string): Promise<number> {
  const rows = await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM audience_members WHERE environment_id = $1::uuid AND tenant = $2', environmentId, tenant);
  return rows[0].n;
}

/** Gives `users` a set for `setId` (the SDK's bulk set preferences, 1,000 users at a time). */
async function giveSets(client: Knock, users: string[], setId: string): Promise<void> {
  for (let start = 0; start < users.length; start += 1000) {
    const operation = await client.users.bulk.setPreferences({ user_ids: users.slice(start, start + 1000), preferences: { id: setId, categories: { news: true } } });
    expect(await finished(client, operation.id)).toMatchObject({ status: 'completed' });
  }
}

it('knock.tenants.bulk.delete: 300 tenants go with their default sets, 6,000 users sets (more than a chunk) and memberships; nothing else is touched', async () => {
  const tenantIds = ids('gone', 300);
  const big = tenantIds[7];
  const users = ids('member', 6000);
  await finished(knock, (await knock.tenants.bulk.set({ tenants: tenantIds.map((id) => ({ id, settings: { preference_set: { categories: { news: false } } } })) })).id);
  await knock.tenants.set('kept', { name: 'Kept' });
  await giveSets(knock, users, big);
  await giveSets(knock, users.slice(0, 1000), 'default');
  await giveSets(knock, users.slice(0, 10), 'kept');
  await giveSets(knock, users.slice(0, 10), tenantIds[299]);
  await knock.audiences.addMembers('vip', { members: [...users.slice(0, 20).map((id) => ({ user: { id }, tenant: big })), { user: { id: users[0] } }, { user: { id: users[1] }, tenant: 'kept' }], create_audience: true });
  await t.env.db.$executeRawUnsafe(
    `INSERT INTO unsubscribes (environment_id, user_id, tenant, link_id, source) VALUES ($1::uuid, $2, $3, 'link-1', 'one_click')`,
    t.env.environmentId,
    users[3],
    big,
  );
  // Another environment holds a tenant of the same id, with a user's set and a membership for it.
  await otherKnock.tenants.set(big, { name: 'Theirs' });
  await giveSets(otherKnock, ['theirs-1'], big);
  await otherKnock.audiences.addMembers('vip', { members: [{ user: { id: 'theirs-1' }, tenant: big }], create_audience: true });
  expect(await setsOf(t.env.environmentId, big)).toBe(6000);
  expect(await membershipsFor(t.env.environmentId, big)).toBe(20);

  // A tenant that was never there counts as deleted too; the SDK sends the ids as tenant_ids[] in the query.
  const operation = await knock.tenants.bulk.delete({ tenant_ids: [...tenantIds, 'never-there'] });
  expect(operation).toMatchObject({ __typename: 'BulkOperation', name: 'tenants.delete', status: 'queued', estimated_total_rows: 301 });
  expect(await finished(knock, operation.id)).toMatchObject({ status: 'completed', processed_rows: 301, success_count: 301, error_count: 0, error_items: [] });

  const left = await t.env.db.$queryRawUnsafe<{ tenants: number; sets: number; members: number }[]>(
    `SELECT (SELECT count(*)::int FROM tenants WHERE environment_id = $1::uuid AND id = ANY($2::text[])) AS tenants,
            (SELECT count(*)::int FROM preference_sets WHERE environment_id = $1::uuid AND set_id = ANY($2::text[])) AS sets,
            (SELECT count(*)::int FROM audience_members WHERE environment_id = $1::uuid AND tenant = ANY($2::text[])) AS members`,
    t.env.environmentId,
    tenantIds,
  );
  expect(left).toEqual([{ tenants: 0, sets: 0, members: 0 }]);
  expect(await setsOf(t.env.environmentId, 'default')).toBe(1000);
  expect(await setsOf(t.env.environmentId, 'kept')).toBe(10);
  expect(await membershipsFor(t.env.environmentId, 'kept')).toBe(1);
  expect(await membershipsFor(t.env.environmentId, '')).toBe(1);
  expect((await knock.tenants.get('kept')).name).toBe('Kept');
  expect((await knock.users.get(users[0])).id).toBe(users[0]);
  const unsubscribes = await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM unsubscribes WHERE environment_id = $1::uuid AND tenant = $2', t.env.environmentId, big);
  expect(unsubscribes[0].n).toBe(1);

  expect((await otherKnock.tenants.get(big)).name).toBe('Theirs');
  expect(await setsOf(other.environmentId, big)).toBe(1);
  expect(await membershipsFor(other.environmentId, big)).toBe(1);
});

it('knock.tenants.delete (one tenant) removes the users sets for it and its memberships too', async () => {
  await knock.tenants.set('single', { name: 'Single' });
  await giveSets(knock, ids('single-user', 30), 'single');
  await knock.audiences.addMembers('single-audience', { members: [{ user: { id: 'single-user-0000' }, tenant: 'single' }], create_audience: true });
  await knock.tenants.delete('single');
  expect(await setsOf(t.env.environmentId, 'single')).toBe(0);
  expect(await membershipsFor(t.env.environmentId, 'single')).toBe(0);
  // A user's set of a tenant that never existed is that tenant's too: deleting the id removes it.
  await giveSets(knock, ['single-user-0000'], 'phantom');
  await knock.tenants.delete('phantom');
  expect(await setsOf(t.env.environmentId, 'phantom')).toBe(0);
});

it('a tenant called "default" is deleted without touching anyone\'s default set', async () => {
  await knock.tenants.set('default', { name: 'Called default' });
  await giveSets(knock, ['plain-user'], 'default');
  const before = await setsOf(t.env.environmentId, 'default');
  await finished(knock, (await knock.tenants.bulk.delete({ tenant_ids: ['default'] })).id);
  await knock.tenants.delete('default');
  expect(await setsOf(t.env.environmentId, 'default')).toBe(before);
  expect(await knock.tenants.get('default').catch((error: { status: number }) => error.status)).toBe(404);
});

it('tenants.delete orders with tenants.set: a set accepted before lands first and is deleted, one accepted after recreates the tenant', async () => {
  const tenantIds = ids('ordered', 200);
  await finished(knock, (await knock.tenants.bulk.set({ tenants: tenantIds })).id);
  // Hold one tenant's row, so the first set stalls mid-operation while the worker's other jobs could run.
  const holder = new Client({ connectionString: t.env.databaseUrl });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM tenants WHERE environment_id = $1 AND id = $2 FOR UPDATE', [t.env.environmentId, tenantIds[150]]);
  try {
    const before = await knock.tenants.bulk.set({ tenants: tenantIds.map((id) => ({ id, name: 'Before' })) });
    const deleted = await knock.tenants.bulk.delete({ tenant_ids: tenantIds });
    const after = await knock.tenants.bulk.set({ tenants: tenantIds.slice(0, 10).map((id) => ({ id, name: 'After' })) });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await holder.query('COMMIT');
    for (const id of [before.id, deleted.id, after.id]) expect(await finished(knock, id)).toMatchObject({ status: 'completed' });
  } finally {
    await holder.end();
  }
  const rows = await t.env.db.$queryRawUnsafe<{ id: string; name: string }[]>(`SELECT id, name FROM tenants WHERE environment_id = $1::uuid AND id LIKE 'ordered-%' ORDER BY id`, t.env.environmentId);
  expect(rows).toEqual(tenantIds.slice(0, 10).map((id) => ({ id, name: 'After' })));
});

it('takes 1,000 long ids in a JSON body (an extension), where the query would pass the 16 KiB request line', async () => {
  const long = ids(`${'x'.repeat(200)}-body`, 1000);
  await finished(knock, (await knock.tenants.bulk.set({ tenants: long.slice(0, 3) })).id);
  const tooLong = await knock.tenants.bulk.delete({ tenant_ids: long }).catch((error: { status: number }) => error.status);
  expect(tooLong).toBe(431);
  const response = await fetch(`${t.api.url}/v1/tenants/bulk/delete`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${t.env.secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenant_ids: long }),
  });
  expect(response.status).toBe(200);
  const operation = (await response.json()) as { id: string; estimated_total_rows: number };
  expect(operation.estimated_total_rows).toBe(1000);
  expect(await finished(knock, operation.id)).toMatchObject({ status: 'completed', success_count: 1000 });
  const left = await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM tenants WHERE environment_id = $1::uuid AND id = ANY($2::text[])', t.env.environmentId, long);
  expect(left[0].n).toBe(0);
});

it('refuses a bad query with 422 naming the field, and records nothing', async () => {
  const headers = { Authorization: `Bearer ${t.env.secretKey}`, 'Content-Type': 'application/json' };
  const post = (query: string, body?: unknown) => fetch(`${t.api.url}/v1/tenants/bulk/delete${query}`, { method: 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const count = async () => (await t.env.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM bulk_operations WHERE name = 'tenants.delete'`))[0].n;
  const before = await count();
  const fieldsOf = async (response: Response) => {
    expect(response.status).toBe(422);
    return ((await response.json()) as { errors: { field: string }[] }).errors.map((error) => error.field);
  };
  expect(await fieldsOf(await post(''))).toEqual(['tenant_ids']);
  expect(await fieldsOf(await post('?tenant_ids[]=ok&tenant_ids[]=a%01b'))).toEqual(['tenant_ids.1']);
  // Plain tenant_ids (13 bytes each) lets 1,001 of them fit the request line.
  expect(await fieldsOf(await post(`?${Array.from({ length: 1001 }, (_, index) => `tenant_ids=${index}`).join('&')}`))).toEqual(['tenant_ids']);
  expect(await fieldsOf(await post('?tenant_ids[]=a', { tenant_ids: ['in-the-body'] }))).toEqual(['tenant_ids']);
  expect(await fieldsOf(await post('', { tenant_ids: ['in-the-body'], users: [] }))).toEqual(['users']);
  expect(await count()).toBe(before);
  const sdkFailure = await knock.tenants.bulk.delete({ tenant_ids: [] }).catch((error: unknown) => error);
  expect(sdkFailure).toMatchObject({ status: 422, error: { code: 'invalid_params' } });
});
