import Knock from '@knocklabs/node';
import { findBlockingOperation } from '@prefs/db';
import { waitFor } from '@prefs/testing';
import { createWorker } from '../../apps/worker/src/worker';
import { useApiAndWorker } from './api-and-worker';

/**
 * Bulk objects set and delete end to end, through the official Knock Node SDK (1.35) unchanged:
 * `knock.objects.bulk.set` and `knock.objects.bulk.delete` answer a BulkOperation, a worker carries it
 * out in batches on the one operation machinery, and every object reads back as the single calls would
 * leave it; error items carry the collection, and a delete leaves nothing of the objects.
 */
const t = useApiAndWorker({ batchSize: 128 });
const PUSH = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
let knock: Knock;
beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
const finished = (id: string) =>
  waitFor(async () => {
    const current = await knock.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
const count = async (sql: string, ...params: unknown[]) => Number((await t.env.db.$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM ${sql}`, ...params))[0].count);

it('knock.objects.bulk.set: 1,000 items over 999 objects (one named twice) are set as PUT would, in their collection only', async () => {
  const objectIds = ids('bulk-object', 999);
  await knock.objects.set('projects', objectIds[1], { name: 'Before', region: 'eu' });
  await knock.objects.set('elsewhere', objectIds[1], { name: 'Other collection' });
  const objects: { id: string; [key: string]: unknown }[] = objectIds.map((id, index) => ({ id, name: `Project ${index}`, tier: index % 2 === 0 ? 'gold' : 'silver' }));
  objects.push({ id: objectIds[2], name: 'Renamed', tier: null });

  const operation = await knock.objects.bulk.set('projects', { objects: objects as Parameters<typeof knock.objects.bulk.set>[1]['objects'] });
  expect(operation).toMatchObject({ __typename: 'BulkOperation', name: 'objects.set', status: 'queued', estimated_total_rows: 999 });
  expect(await finished(operation.id)).toMatchObject({ status: 'completed', processed_rows: 999, success_count: 999, error_count: 0, error_items: [] });

  expect((await knock.objects.get('projects', objectIds[1])).properties).toEqual({ name: 'Project 1', region: 'eu', tier: 'silver' });
  expect((await knock.objects.get('projects', objectIds[2])).properties).toEqual({ name: 'Renamed' });
  expect((await knock.objects.get('elsewhere', objectIds[1])).properties).toEqual({ name: 'Other collection' });
  expect(await count("objects WHERE collection = 'projects'")).toBe(999);
});

it('an object whose properties would pass the stored limits is an error item { id, collection }; the others are written', async () => {
  const full = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${index}`, index]));
  for (let round = 0; round < 5; round += 1) {
    await knock.objects.set('limited', 'full', Object.fromEntries(Object.entries(full).map(([key, value]) => [`${round}-${key}`, value])));
  }
  const operation = await knock.objects.bulk.set('limited', { objects: [{ id: 'full', more: 1 }, { id: 'fine', more: 1 }] });
  expect(await finished(operation.id)).toMatchObject({ status: 'completed', success_count: 1, error_count: 1, error_items: [{ id: 'full', collection: 'limited' }] });
  expect((await knock.objects.get('limited', 'fine')).properties).toEqual({ more: 1 });
  expect((await knock.objects.get('limited', 'full')).properties).not.toHaveProperty('more');
});

it('knock.objects.bulk.delete: removes each object with its preference sets, channel data and subscriptions both ways; others stay', async () => {
  const doomed = ids('doomed', 300);
  await finished((await knock.objects.bulk.set('rooms', { objects: [...doomed, 'kept'].map((id) => ({ id, name: id })) })).id);
  for (const id of [doomed[0], doomed[299], 'kept']) await knock.objects.setChannelData('rooms', id, PUSH, { data: { tokens: [id] } });
  // A user subscribed to a doomed room and to the kept one; a doomed room subscribed to a team.
  await t.env.db.$executeRawUnsafe(
    `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id)
     VALUES ($1::uuid, 'rooms', $2, '$users', 'ann'), ($1::uuid, 'rooms', 'kept', '$users', 'ann'), ($1::uuid, 'teams', 't1', 'rooms', $2)`,
    t.env.environmentId,
    doomed[5],
  );
  await knock.objects.set('other-rooms', doomed[0], { name: 'same id, other collection' });
  // A room with more subscribers than one chunk deletes (chunked-deletes.ts), and one subscribed to as many teams.
  await t.env.db.$executeRawUnsafe(
    `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id)
     SELECT $1::uuid, 'rooms', $2, '$users', 'crowd-' || n FROM generate_series(1, 12000) AS n
     UNION ALL SELECT $1::uuid, 'teams', 'team-' || n, 'rooms', $3 FROM generate_series(1, 12000) AS n`,
    t.env.environmentId,
    doomed[1],
    doomed[2],
  );
  // Preference sets of a doomed room, of the kept one, and of a user of the same id as a doomed room.
  await t.env.db.$executeRawUnsafe(
    `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
     VALUES ($1::uuid, 'rooms', $2, 'default', '{}'), ($1::uuid, 'rooms', $2, 'acme', '{}'), ($1::uuid, 'rooms', 'kept', 'default', '{}'), ($1::uuid, '$users', $2, 'default', '{}')`,
    t.env.environmentId,
    doomed[7],
  );

  const operation = await knock.objects.bulk.delete('rooms', { object_ids: [...doomed, 'never-set', doomed[0]] });
  expect(operation).toMatchObject({ name: 'objects.delete', estimated_total_rows: 301 });
  expect(await finished(operation.id)).toMatchObject({ status: 'completed', processed_rows: 301, success_count: 301, error_count: 0 });

  expect(await count("objects WHERE collection = 'rooms'")).toBe(1);
  expect(await count("channel_data WHERE recipient_collection = 'rooms'")).toBe(1);
  const sets = await t.env.db.$queryRawUnsafe<{ recipient: string }[]>("SELECT recipient_collection || '/' || recipient_id AS recipient FROM preference_sets ORDER BY 1");
  expect(sets.map((row) => row.recipient)).toEqual(['$users/' + doomed[7], 'rooms/kept']);
  const subscriptions = await t.env.db.$queryRawUnsafe<{ object_id: string }[]>('SELECT object_id FROM subscriptions');
  expect(subscriptions.map((row) => row.object_id)).toEqual(['kept']);
  expect((await knock.objects.get('other-rooms', doomed[0])).properties).toEqual({ name: 'same id, other collection' });
});

it('overlapping set and delete of one collection apply in acceptance order; users.delete of the same ids does not wait on them', async () => {
  await t.worker.close();
  try {
    const keys = ids('ordered', 20);
    const set = await knock.objects.bulk.set('ordered', { objects: keys.map((id) => ({ id, v: 1 })) });
    const deleted = await knock.objects.bulk.delete('ordered', { object_ids: keys.slice(0, 10) });
    const setAgain = await knock.objects.bulk.set('ordered', { objects: keys.slice(5, 15).map((id) => ({ id, v: 2 })) });
    const users = await knock.users.bulk.delete({ user_ids: keys });
    const rows = await t.env.db.$queryRawUnsafe<{ id: string; scope: string }[]>('SELECT id::text, scope FROM bulk_operations WHERE id = ANY($1::uuid[]) ORDER BY seq', [set.id, deleted.id, setAgain.id, users.id]);
    expect(rows.map((row) => row.scope)).toEqual(['objects:ordered', 'objects:ordered', 'objects:ordered', 'users:delete']);
    expect(await findBlockingOperation(t.env.db, deleted.id)).toBe(set.id);
    expect(await findBlockingOperation(t.env.db, setAgain.id)).toBe(set.id);
    expect(await findBlockingOperation(t.env.db, users.id)).toBeNull();
  } finally {
    t.worker = createWorker(t.env.workerConfig({ batchSize: 128 }));
    await t.worker.start();
  }
  const stored = await waitFor(async () => {
    const operations = await t.env.db.$queryRawUnsafe<{ status: string }[]>("SELECT status FROM bulk_operations WHERE scope = 'objects:ordered'");
    return operations.every((operation) => operation.status === 'completed') ? t.env.db.$queryRawUnsafe<{ id: string; v: number }[]>("SELECT id, (properties->>'v')::int AS v FROM objects WHERE collection = 'ordered' ORDER BY id") : null;
  }, 60_000, 100);
  // 0-4 deleted; 5-9 deleted then set again; 10-14 set twice; 15-19 set once.
  expect(stored.map((row) => `${row.id.slice(-2)}:${row.v}`)).toEqual([...ids('ordered', 20).slice(5, 15).map((id) => `${id.slice(-2)}:2`), ...ids('ordered', 20).slice(15).map((id) => `${id.slice(-2)}:1`)]);
});

it('refuses a reserved collection, 1,001 objects and bad ids with a 422 naming them, and records nothing', async () => {
  const before = await count('bulk_operations');
  await expect(knock.objects.bulk.set('$users', { objects: [{ id: 'x' }] })).rejects.toMatchObject({ status: 422 });
  await expect(knock.objects.bulk.set('ok', { objects: ids('o', 1001).map((id) => ({ id })) })).rejects.toMatchObject({ status: 422 });
  const refused = await fetch(`${t.api.url}/v1/objects/ok/bulk/delete`, { method: 'POST', headers: { ...t.auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ object_ids: ['', 'a\nb'] }) });
  expect(refused.status).toBe(422);
  expect(((await refused.json()) as { errors: { field: string }[] }).errors.map((error) => error.field)).toEqual(['object_ids.0', 'object_ids.1']);
  const hostile = await fetch(`${t.api.url}/v1/objects/ok/bulk/set`, { method: 'POST', headers: { ...t.auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ objects: [{ id: 'a', collection: 'other', __x: 1 }] }) });
  expect(((await hostile.json()) as { errors: { field: string }[] }).errors.map((error) => error.field)).toEqual(['objects.0.collection', 'objects.0.__x']);
  expect(await count('bulk_operations')).toBe(before);
});
