import Knock from '@knocklabs/node';
import request from 'supertest';
import { waitFor } from '@prefs/testing';
import { useApiAndWorker } from './api-and-worker';

/**
 * Bulk subscriptions end to end, through the official Knock Node SDK (1.35) unchanged:
 * `knock.objects.bulk.addSubscriptions` and `.deleteSubscriptions` answer a BulkOperation, a worker carries
 * it out in batches on the one operation machinery, and every object's subscriptions read back as the
 * single calls would leave them; an object not stored is an error item `{ id, collection }`.
 */
const t = useApiAndWorker({ batchSize: 64 });
let knock: Knock;
beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});

const finished = (id: string) =>
  waitFor(async () => {
    const current = await knock.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
const count = async (sql: string, ...params: unknown[]) => Number((await t.env.db.$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM ${sql}`, ...params))[0].count);
const subscribers = async (collection: string, id: string) => {
  const listed: [string, unknown][] = [];
  for await (const subscription of knock.objects.listSubscriptions(collection, id)) listed.push([subscription.recipient.id, subscription.properties]);
  return listed.sort(([a], [b]) => (a < b ? -1 : 1));
};

it('knock.objects.bulk.addSubscriptions: 300 objects with 3 recipients each, a later entry for an object winning, a missing object an error item', async () => {
  const objectIds = Array.from({ length: 300 }, (_, index) => `bulk-project-${String(index).padStart(3, '0')}`);
  const set = await knock.objects.bulk.set('projects', { objects: objectIds.map((id) => ({ id })) });
  expect(await finished(set.id)).toMatchObject({ status: 'completed', success_count: 300 });

  const subscriptions = objectIds.map((id, index) => ({ id, recipients: ['ann', { id: `user-${index}`, name: `User ${index}` }, { id: 'team-1', collection: 'teams' }], properties: { index } }));
  subscriptions.push({ id: objectIds[7], recipients: ['ann'], properties: { index: -1 } } as (typeof subscriptions)[number]);
  subscriptions.push({ id: 'never-set', recipients: ['ann'], properties: { index: 0 } } as (typeof subscriptions)[number]);
  const operation = await knock.objects.bulk.addSubscriptions('projects', { subscriptions });
  expect(operation).toMatchObject({ __typename: 'BulkOperation', name: 'objects.add_subscriptions', status: 'queued', estimated_total_rows: 301 });
  expect(await finished(operation.id)).toMatchObject({
    status: 'completed',
    processed_rows: 301,
    success_count: 300,
    error_count: 1,
    error_items: [{ id: 'never-set', collection: 'projects' }],
  });

  expect(await subscribers('projects', objectIds[3])).toEqual([['ann', { index: 3 }], ['team-1', { index: 3 }], ['user-3', { index: 3 }]]);
  expect(await subscribers('projects', objectIds[7])).toEqual([['ann', { index: -1 }], ['team-1', { index: 7 }], ['user-7', { index: 7 }]]);
  expect((await knock.users.get('user-250')).name).toBe('User 250');
  expect((await knock.users.listSubscriptions('ann', { page_size: 50 })).entries).toHaveLength(50);
  expect(await count("subscriptions WHERE object_collection = 'projects'")).toBe(900);
  expect(await count("users WHERE id = 'never-set'")).toBe(0);
});

it('knock.objects.bulk.deleteSubscriptions removes those subscriptions, skipping the ones that do not exist', async () => {
  await knock.objects.set('rooms', 'r1', {});
  await knock.objects.set('rooms', 'r2', {});
  await knock.objects.addSubscriptions('rooms', 'r1', { recipients: ['ann', 'bob', { id: 'team-1', collection: 'teams' }] });
  await knock.objects.addSubscriptions('rooms', 'r2', { recipients: ['ann'] });
  const operation = await knock.objects.bulk.deleteSubscriptions('rooms', {
    subscriptions: [
      { id: 'r1', recipients: ['ann', { id: 'team-1', collection: 'teams' }, 'never-subscribed'] },
      { id: 'r2', recipients: ['bob'] },
      { id: 'never-set', recipients: ['ann'] },
    ],
  });
  expect(operation).toMatchObject({ name: 'objects.delete_subscriptions', estimated_total_rows: 3 });
  expect(await finished(operation.id)).toMatchObject({ status: 'completed', success_count: 3, error_count: 0 });
  expect(await subscribers('rooms', 'r1')).toEqual([['bob', null]]);
  expect(await subscribers('rooms', 'r2')).toEqual([['ann', null]]);
});

it('an entry that would grow a user past the stored limits is an error item, leaving nothing of it; the others are written', async () => {
  await knock.objects.set('limited', 'a', {});
  await knock.objects.set('limited', 'b', {});
  const full = (round: number) => Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`${round}-k${index}`, index]));
  for (let round = 0; round < 5; round += 1) await knock.users.update('full-user', full(round));
  const operation = await knock.objects.bulk.addSubscriptions('limited', {
    subscriptions: [
      { id: 'a', recipients: [{ id: 'full-user', one: 'more' }, 'fresh-user'] },
      { id: 'b', recipients: ['other-user'] },
    ],
  });
  expect(await finished(operation.id)).toMatchObject({ status: 'completed', success_count: 1, error_count: 1, error_items: [{ id: 'a', collection: 'limited' }] });
  expect(await subscribers('limited', 'a')).toEqual([]);
  expect(await subscribers('limited', 'b')).toEqual([['other-user', null]]);
  // Undone to the savepoint: the user the refused entry named is not created either.
  expect(await count("users WHERE id = 'fresh-user'")).toBe(0);
});

it('refuses bad bulk bodies with a 422 naming the field, recording nothing', async () => {
  const post = (path: string, body: unknown) => request(t.api.app).post(path).set(t.auth()).send(body as object);
  const fields = async (path: string, body: unknown) => {
    const res = await post(path, body);
    return { status: res.status, fields: (res.body.errors ?? []).map((error: { field: string }) => error.field) };
  };
  const entries = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `o${index}`, recipients: ['u'] }));
  expect(await fields('/v1/objects/projects/bulk/subscriptions/add', { subscriptions: entries(1001) })).toEqual({ status: 422, fields: ['subscriptions'] });
  expect(await fields('/v1/objects/projects/bulk/subscriptions/add', { subscriptions: [{ id: 'o', recipients: Array.from({ length: 101 }, (_, index) => `u${index}`) }] })).toEqual({
    status: 422,
    fields: ['subscriptions.0.recipients'],
  });
  expect(await fields('/v1/objects/projects/bulk/subscriptions/delete', { subscriptions: [{ id: 'o', recipients: [{ id: 'x', collection: '$users' }] }] })).toEqual({
    status: 422,
    fields: ['subscriptions.0.recipients.0.collection'],
  });
  expect(await fields('/v1/objects/$users/bulk/subscriptions/add', { subscriptions: entries(1) })).toEqual({ status: 422, fields: ['collection'] });
  expect(await count("bulk_operations WHERE name LIKE 'objects.%_subscriptions' AND environment_id = $1::uuid AND status = 'queued'", t.env.environmentId)).toBe(0);
});
