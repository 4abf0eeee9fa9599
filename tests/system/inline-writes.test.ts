import Knock from '@knocklabs/node';
import { waitFor, workflowsOfSize } from '@prefs/testing';
import { useApiAndWorker } from './api-and-worker';

/**
 * Inline preferences and channel data in the bulk kinds (users.identify, tenants.set), through the Knock
 * Node SDK unchanged: each record's sets merge into what is stored and its channels are replaced, in the
 * batch's transaction; a record that would pass a stored limit (a set over 64 KiB once merged, a set past
 * PREFERENCE_SETS_PER_RECIPIENT) is an error item with nothing of it written, and the others are written.
 */
const PUSH = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
const SETS_PER_RECIPIENT = 5;
const t = useApiAndWorker({ batchSize: 100, preferenceSetsPerRecipient: SETS_PER_RECIPIENT }, { preferenceSetsPerRecipient: SETS_PER_RECIPIENT });
let knock: Knock;

beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});

async function finished(id: string) {
  return waitFor(async () => {
    const current = await knock.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
type Users = Parameters<typeof knock.users.bulk.identify>[0]['users'];

it('users.bulk.identify: 300 users with inline sets and channel data; an oversized set and a set past the count are error items, written nothing', async () => {
  const users = ids('inline', 300);
  // One user near the size limit, one at the count limit, one with channel data to be replaced.
  await knock.users.update(users[10], { name: 'Before', preferences: { default: { workflows: workflowsOfSize(40, 'a') } } } as never);
  await knock.users.update(users[20], { name: 'Before', preferences: Object.fromEntries(ids('held', SETS_PER_RECIPIENT).map((set) => [set, {}])) } as never);
  await knock.users.setChannelData(users[30], PUSH, { data: { tokens: ['old'] } });
  await knock.users.setPreferences(users[40], 'default', { categories: { news: true, promo: true } });

  const items: Record<string, unknown>[] = users.map((id) => ({
    id,
    name: `User ${id}`,
    preferences: { default: { categories: { promo: null, digest: true } }, ...(id === users[10] ? { default: { workflows: workflowsOfSize(40, 'b') } } : {}), ...(id === users[20] ? { extra: {} } : {}) },
    channel_data: { [PUSH]: { tokens: [`token-${id}`] } },
  }));
  // Named twice: the second item applies after the first, its set merged over the first's.
  items.push({ id: users[40], name: 'Twice', preferences: { default: { categories: { digest: false } } }, channel_data: { [PUSH]: { tokens: ['second'] } } });

  const operation = await knock.users.bulk.identify({ users: items as Users });
  const done = await finished(operation.id);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 300, success_count: 298, error_count: 2 });
  expect(done.error_items).toEqual([{ id: users[10], collection: null }, { id: users[20], collection: null }]);

  expect((await knock.users.getPreferences(users[0], 'default')).categories).toEqual({ digest: true });
  expect((await knock.users.getChannelData(users[0], PUSH)).data).toMatchObject({ tokens: [`token-${users[0]}`] });
  expect((await knock.users.getChannelData(users[30], PUSH)).data).toMatchObject({ tokens: [`token-${users[30]}`] });
  expect((await knock.users.getPreferences(users[40], 'default')).categories).toEqual({ news: true, digest: false });
  expect((await knock.users.getChannelData(users[40], PUSH)).data).toMatchObject({ tokens: ['second'] });
  expect((await knock.users.get(users[40])).name).toBe('Twice');
  // The refused users: their properties, sets and channel data as they were.
  for (const refused of [users[10], users[20]]) {
    expect((await knock.users.get(refused)).name).toBe('Before');
    await expect(knock.users.getChannelData(refused, PUSH)).rejects.toMatchObject({ status: 404 });
  }
  expect(Object.keys((await knock.users.getPreferences(users[10], 'default')).workflows ?? {})).toHaveLength(Object.keys(workflowsOfSize(40, 'a')).length);
  expect((await knock.users.listPreferences(users[20])).map((set) => set.id)).toEqual(ids('held', SETS_PER_RECIPIENT));
});

it('tenants.bulk.set: inline preferences.default merges into each tenant\'s set, inline channel data is stored', async () => {
  await knock.tenants.set('inline-t1', { settings: { preference_set: { categories: { news: true } } } });
  const operation = await knock.tenants.bulk.set({
    tenants: [
      { id: 'inline-t1', preferences: { default: { categories: { promo: false } } }, channel_data: { [PUSH]: { tokens: ['t1'] } } },
      { id: 'inline-t2', name: 'Two', preferences: { default: { workflows: { welcome: true } } } },
    ] as Parameters<typeof knock.tenants.bulk.set>[0]['tenants'],
  });
  expect(await finished(operation.id)).toMatchObject({ status: 'completed', success_count: 2, error_count: 0 });
  expect((await knock.tenants.get('inline-t1')).settings?.preference_set?.categories).toEqual({ news: true, promo: false });
  expect((await knock.tenants.get('inline-t2')).settings?.preference_set?.workflows).toEqual({ welcome: true });
  const channels = await t.env.db.$queryRawUnsafe<{ data: unknown }[]>(`SELECT data FROM channel_data WHERE recipient_collection = '$tenants' AND recipient_id = 'inline-t1'`);
  expect(channels).toEqual([{ data: { tokens: ['t1'] } }]);
});

it('the SDK sees 422 naming a bad inline field of a bulk item, and no operation is recorded', async () => {
  const count = async () => (await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations'))[0].n;
  const before = await count();
  const failure = await knock.users.bulk.identify({ users: [{ id: 'ok' }, { id: 'bad', channel_data: { [PUSH]: { tokens: 'one' } } }] as Users }).catch((error: unknown) => error);
  expect(failure).toMatchObject({ status: 422, error: { errors: [expect.objectContaining({ field: `users.1.channel_data.${PUSH}.tokens` })] } });
  expect(await count()).toBe(before);
});
