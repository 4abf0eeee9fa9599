import Knock from '@knocklabs/node';
import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/**
 * Knock's merge users through `@knocklabs/node` 1.35 unchanged, against real PostgreSQL: properties,
 * preference sets, channel data, audience memberships and unsubscribe events of the source end up with
 * the target as recipients.md says, the source is gone, and refusals write nothing.
 */
const t = useApiTestContext();
let knock: Knock;
beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});
const PUSH = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
const SLACK = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const call = (method: 'get' | 'put' | 'post', path: string, body?: object) => request(t.api.app)[method](path).set(t.auth()).send(body);

it('folds the source into the target and deletes the source', async () => {
  await knock.users.update('anon-1', { name: 'Anonymous', plan: 'free', locale: 'fr' });
  await knock.users.update('ann', { name: 'Ann', plan: 'pro' });
  await call('put', '/v1/users/anon-1/preferences/default', { categories: { marketing: false, product: true }, channel_types: { sms: false } });
  await call('put', '/v1/users/ann/preferences/default', { categories: { marketing: true } });
  await call('put', '/v1/users/anon-1/preferences/acme', { workflows: { w: false } });
  await call('put', `/v1/users/anon-1/channel_data/${PUSH}`, { data: { tokens: ['t-anon', 't-shared'] } });
  await call('put', `/v1/users/ann/channel_data/${PUSH}`, { data: { tokens: ['t-shared', 't-ann'] } });
  await call('put', `/v1/users/anon-1/channel_data/${SLACK}`, { data: { connections: [{ channel_id: 'C1' }] } });
  await call('post', '/v1/audiences/trial/members?create_audience=true', { members: [{ user: { id: 'anon-1' } }] });
  await t.env.db.$executeRawUnsafe(`INSERT INTO unsubscribes (environment_id, user_id, link_id, source) VALUES ($1::uuid, 'anon-1', 'l-1', 'one_click')`, t.env.environmentId);
  // anon-1 watches p1 and p2; ann already watches p2 as an owner, which stays hers.
  await t.env.db.$executeRawUnsafe(
    `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id, properties)
     VALUES ($1::uuid, 'projects', 'p1', '$users', 'anon-1', '{"role":"watcher"}'), ($1::uuid, 'projects', 'p2', '$users', 'anon-1', '{"role":"watcher"}'),
            ($1::uuid, 'projects', 'p2', '$users', 'ann', '{"role":"owner"}')`,
    t.env.environmentId,
  );

  const merged = await knock.users.merge('ann', { from_user_id: 'anon-1' });
  expect(merged).toMatchObject({ id: 'ann', name: 'Ann', plan: 'pro', locale: 'fr' });

  const sets = (await call('get', '/v1/users/ann/preferences')).body as { id: string }[];
  expect(Object.fromEntries(sets.map((set) => [set.id, set]))).toMatchObject({
    default: { categories: { marketing: true, product: true }, channel_types: { sms: false } },
    acme: { workflows: { w: false } },
  });
  expect((await call('get', `/v1/users/ann/channel_data/${PUSH}`)).body.data.tokens).toEqual(['t-shared', 't-ann', 't-anon']);
  expect((await call('get', `/v1/users/ann/channel_data/${SLACK}`)).body.data).toEqual({ connections: [{ channel_id: 'C1' }] });
  expect((await call('get', '/v1/audiences/trial/members')).body.entries.map((member: { user_id: string }) => member.user_id)).toEqual(['ann']);
  expect((await call('get', '/v1/users/ann/unsubscribes')).body.entries).toHaveLength(1);
  const subscriptions = await t.env.db.$queryRawUnsafe<{ object_id: string; recipient_id: string; properties: unknown }[]>(
    `SELECT object_id, recipient_id, properties FROM subscriptions WHERE environment_id = $1::uuid ORDER BY object_id, recipient_id`,
    t.env.environmentId,
  );
  expect(subscriptions).toEqual([
    { object_id: 'p1', recipient_id: 'ann', properties: { role: 'watcher' } },
    { object_id: 'p2', recipient_id: 'ann', properties: { role: 'owner' } },
  ]);

  await expect(knock.users.get('anon-1')).rejects.toMatchObject({ status: 404 });
  for (const [table, column] of [['preference_sets', 'recipient_id'], ['audience_members', 'user_id'], ['unsubscribes', 'user_id']]) {
    const rows = await t.env.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table} WHERE ${column} = 'anon-1'`);
    expect({ table, n: Number(rows[0].n) }).toEqual({ table, n: 0 });
  }
  expect(Number((await t.env.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM channel_data WHERE recipient_id = 'anon-1'`))[0].n)).toBe(0);
});

it('creates the target when it is new, and refuses a merge into itself, of nobody, or without from_user_id, writing nothing', async () => {
  await knock.users.update('src-2', { name: 'Two' });
  expect(await knock.users.merge('brand-new', { from_user_id: 'src-2' })).toMatchObject({ id: 'brand-new', name: 'Two' });

  const self = await call('post', '/v1/users/ann/merge', { from_user_id: 'ann' });
  expect({ status: self.status, field: self.body.errors?.[0]?.field }).toEqual({ status: 422, field: 'from_user_id' });
  expect((await call('post', '/v1/users/someone/merge', { from_user_id: 'nobody-at-all' })).status).toBe(404);
  expect((await call('get', '/v1/users/someone')).status).toBe(404);
  expect((await call('post', '/v1/users/ann/merge', {})).body.errors?.[0]?.field).toBe('from_user_id');
  expect((await call('post', '/v1/users/ann/merge', { from_user_id: 'src-2', extra: 1 })).body.errors?.[0]?.field).toBe('extra');
  expect((await request(t.api.app).post('/v1/users/ann/merge').set(t.auth(t.otherKey)).send({ from_user_id: 'brand-new' })).status).toBe(404);
});
