import Knock from '@knocklabs/node';
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
