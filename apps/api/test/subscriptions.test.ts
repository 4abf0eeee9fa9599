import Knock from '@knocklabs/node';
import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/**
 * Knock's subscriptions over HTTP against real PostgreSQL, with `@knocklabs/node` 1.35 unchanged: adding
 * subscribes users and objects to a stored object (identifying them), again updates the properties;
 * listing pages an object's subscribers (filtered by `recipients[]`), what an object subscribes to, and a
 * user's subscriptions; deleting answers with what was removed; bad input is a 422 naming the field.
 */
const t = useApiTestContext();
let knock: Knock;
beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});

async function storeObject(collection: string, id: string, properties: Record<string, unknown> = {}, key?: string) {
  expect((await request(t.api.app).put(`/v1/objects/${collection}/${id}`).set(t.auth(key)).send(properties)).status).toBe(200);
}

const path = (collection: string, id: string) => `/v1/objects/${collection}/${id}/subscriptions`;
const subscribers = (collection: string, id: string, query = '') => request(t.api.app).get(`${path(collection, id)}${query}`).set(t.auth());
const recipientIds = (entries: { recipient: { id: string } }[]) => entries.map((entry) => entry.recipient.id).sort();

describe('subscriptions of an object', () => {
  it('subscribes users and objects through the SDK, identifying users sent inline, and lists them with both ends', async () => {
    await storeObject('projects', 'p1', { name: 'Apollo' });
    const added = await knock.objects.addSubscriptions('projects', 'p1', {
      recipients: ['ann', { id: 'bob', name: 'Bob' }, { id: 'team-1', collection: 'teams' }],
      properties: { role: 'watcher' },
    });
    expect(added).toHaveLength(3);
    expect(added.find((entry) => entry.recipient.id === 'bob')).toMatchObject({
      __typename: 'Subscription',
      object: { __typename: 'Object', id: 'p1', collection: 'projects', properties: { name: 'Apollo' } },
      recipient: { __typename: 'User', id: 'bob', name: 'Bob' },
      properties: { role: 'watcher' },
    });
    expect(added.find((entry) => entry.recipient.id === 'team-1')?.recipient).toMatchObject({ __typename: 'Object', collection: 'teams', id: 'team-1' });
    // Recipients not stored yet are created: the user is there to read, with what was sent inline.
    expect((await request(t.api.app).get('/v1/users/bob').set(t.auth())).body.name).toBe('Bob');
    expect((await request(t.api.app).get('/v1/users/ann').set(t.auth())).status).toBe(200);

    const listed = [];
    for await (const subscription of knock.objects.listSubscriptions('projects', 'p1')) listed.push(subscription);
    expect(recipientIds(listed)).toEqual(['ann', 'bob', 'team-1']);

    const team = await knock.objects.listSubscriptions('teams', 'team-1', { mode: 'recipient' });
    expect(team.entries.map((entry) => [entry.object.collection, entry.object.id])).toEqual([['projects', 'p1']]);
    const ann = await knock.users.listSubscriptions('ann');
    expect(ann.entries.map((entry) => entry.object.id)).toEqual(['p1']);
  });

  it('adding an existing subscription again updates its properties', async () => {
    await storeObject('projects', 'p2');
    const [first] = await knock.objects.addSubscriptions('projects', 'p2', { recipients: ['cy'], properties: { level: 1 } });
    const [again] = await knock.objects.addSubscriptions('projects', 'p2', { recipients: ['cy'], properties: { level: 2 } });
    expect(again).toMatchObject({ properties: { level: 2 }, inserted_at: first?.inserted_at });
    expect(Date.parse(again?.updated_at ?? '')).toBeGreaterThanOrEqual(Date.parse(first?.updated_at ?? ''));
    expect((await subscribers('projects', 'p2')).body.entries).toMatchObject([{ recipient: { id: 'cy' }, properties: { level: 2 } }]);
  });

  it('is a 404 for an object that is not stored, writing nothing', async () => {
    await expect(knock.objects.addSubscriptions('projects', 'nowhere', { recipients: ['dee'] })).rejects.toMatchObject({ status: 404 });
    expect((await request(t.api.app).get('/v1/users/dee').set(t.auth())).status).toBe(404);
    expect((await subscribers('projects', 'nowhere')).body).toEqual({ entries: [], page_info: { __typename: 'PageInfo', after: null, before: null, page_size: 50 } });
  });

  it('filters subscribers by recipients[] in every form the SDK sends', async () => {
    await storeObject('projects', 'p3');
    await knock.objects.addSubscriptions('projects', 'p3', { recipients: ['u1', 'u2', { id: 't1', collection: 'teams' }, { id: 't2', collection: 'teams' }] });
    const only = async (recipients: ({ id: string; collection: string } | string)[]) =>
      recipientIds((await knock.objects.listSubscriptions('projects', 'p3', { recipients })).entries);
    expect(await only(['u1'])).toEqual(['u1']);
    expect(await only(['u2', { id: 't1', collection: 'teams' }])).toEqual(['t1', 'u2']);
    expect(await only([{ id: 't2', collection: 'teams' }, 'u1'])).toEqual(['t2', 'u1']);
    expect(await only([{ id: 'u1', collection: 'teams' }])).toEqual([]);
    const bad = await subscribers('projects', 'p3', '?recipients[][id]=t1');
    expect({ status: bad.status, field: bad.body.errors?.[0]?.field }).toEqual({ status: 422, field: 'recipients' });
    const many = Array.from({ length: 101 }, (_, index) => `recipients[]=u${index}`).join('&');
    expect((await subscribers('projects', 'p3', `?${many}`)).status).toBe(422);
  });

  it('pages newest first both ways, and refuses forged cursors', async () => {
    await storeObject('projects', 'paged');
    const ids = Array.from({ length: 7 }, (_, index) => `pager-${index}`);
    for (const id of ids) await knock.objects.addSubscriptions('projects', 'paged', { recipients: [id] });
    const seen: string[] = [];
    let after: string | null = null;
    let last: request.Response;
    do {
      last = await subscribers('projects', 'paged', `?page_size=3${after ? `&after=${after}` : ''}`);
      expect(last.status).toBe(200);
      seen.push(...last.body.entries.map((entry: { recipient: { id: string } }) => entry.recipient.id));
      after = last.body.page_info.after;
    } while (after);
    expect(seen).toEqual([...ids].reverse());
    const back = await subscribers('projects', 'paged', `?page_size=3&before=${last.body.page_info.before}`);
    expect(back.body.entries.map((entry: { recipient: { id: string } }) => entry.recipient.id)).toEqual(['pager-3', 'pager-2', 'pager-1']);
    expect((await subscribers('projects', 'paged', '?after=forged')).status).toBe(422);
    expect((await subscribers('projects', 'paged', '?mode=sideways')).status).toBe(422);
    expect((await subscribers('projects', 'paged', '?include[]=preferences')).status).toBe(422);
  });

  it('deletes subscriptions, answering with those removed and skipping the rest', async () => {
    await storeObject('projects', 'p4');
    await knock.objects.addSubscriptions('projects', 'p4', { recipients: ['eve', 'fay', { id: 't9', collection: 'teams' }] });
    const removed = await knock.objects.deleteSubscriptions('projects', 'p4', { recipients: ['eve', { id: 't9', collection: 'teams' }, 'never-subscribed'] });
    expect(recipientIds(removed)).toEqual(['eve', 't9']);
    expect(recipientIds((await subscribers('projects', 'p4')).body.entries)).toEqual(['fay']);
    expect(await knock.objects.deleteSubscriptions('projects', 'nowhere', { recipients: ['fay'] })).toEqual([]);
  });

  it('deleting a user removes its subscriptions', async () => {
    await storeObject('projects', 'p5');
    await knock.objects.addSubscriptions('projects', 'p5', { recipients: ['gus', 'hal'] });
    await knock.users.delete('gus');
    expect(recipientIds((await subscribers('projects', 'p5')).body.entries)).toEqual(['hal']);
    expect((await knock.users.listSubscriptions('gus')).entries).toEqual([]);
  });

  it('deleting an object removes its subscriptions both ways', async () => {
    await storeObject('projects', 'p6');
    await storeObject('projects', 'p7');
    await knock.objects.addSubscriptions('projects', 'p6', { recipients: ['jan', { id: 'p7', collection: 'projects' }] });
    await knock.objects.addSubscriptions('projects', 'p7', { recipients: ['kim'] });
    await knock.objects.delete('projects', 'p7');
    expect(recipientIds((await subscribers('projects', 'p6')).body.entries)).toEqual(['jan']);
    // Listings leave out a subscription whose end is gone: what is stored tells.
    const stored = await t.env.db.$queryRawUnsafe<{ count: bigint }[]>(
      "SELECT count(*) FROM subscriptions WHERE environment_id = $1::uuid AND 'p7' IN (object_id, recipient_id)",
      t.env.environmentId,
    );
    expect(Number(stored[0]?.count)).toBe(0);
  });

  it('keeps environments apart', async () => {
    const other = await t.env.createEnvironment('subscriptions-other');
    await storeObject('projects', 'shared', {}, other.secretKey);
    await storeObject('projects', 'shared');
    await request(t.api.app).post(path('projects', 'shared')).set(t.auth(other.secretKey)).send({ recipients: ['ivy'] });
    expect((await subscribers('projects', 'shared')).body.entries).toEqual([]);
    expect((await request(t.api.app).get('/v1/users/ivy').set(t.auth())).status).toBe(404);
  });
});

describe('hostile subscription requests', () => {
  it('refuses 101 recipients, bad references and properties past the limits, naming the field and writing nothing', async () => {
    await storeObject('projects', 'guarded');
    const post = (body: unknown, at = path('projects', 'guarded')) => request(t.api.app).post(at).set(t.auth()).send(body as object);
    const fields = async (body: unknown, at?: string) => {
      const res = await post(body, at);
      return { status: res.status, fields: (res.body.errors ?? []).map((error: { field: string }) => error.field) };
    };
    const many = Array.from({ length: 101 }, (_, index) => `m${index}`);
    expect(await fields({ recipients: many })).toEqual({ status: 422, fields: ['recipients'] });
    expect(await fields({ recipients: [{ id: 'x', collection: '$users' }, { id: 'guarded', collection: 'projects' }, ''] })).toEqual({
      status: 422,
      fields: ['recipients.0.collection', 'recipients.1', 'recipients.2'],
    });
    expect(await fields({ recipients: ['ok'], properties: { big: 'x'.repeat(300 * 1024) } })).toEqual({ status: 422, fields: ['properties'] });
    expect(await fields({ recipients: ['ok'], properties: Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`k${index}`, index])) })).toEqual({ status: 422, fields: ['properties'] });
    expect(await fields({ recipients: ['ok'] }, path('$users', 'guarded'))).toEqual({ status: 422, fields: ['collection'] });
    expect(await fields({ recipients: ['ok'] }, path('projects', 'x'.repeat(256)))).toEqual({ status: 422, fields: ['object_id'] });
    const del = await request(t.api.app).delete(path('projects', 'guarded')).set(t.auth()).send({ recipients: [{ id: 'bob', name: 'Bob' }] });
    expect(del.status).toBe(422);
    expect((await subscribers('projects', 'guarded')).body.entries).toEqual([]);
    expect((await request(t.api.app).get('/v1/users/m0').set(t.auth())).status).toBe(404);
    expect((await request(t.api.app).get(`/v1/users/${'x'.repeat(256)}/subscriptions`).set(t.auth())).status).toBe(422);
  });
});
