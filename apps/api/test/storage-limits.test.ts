import { workflowsOfSize } from '@prefs/testing';
import request from 'supertest';
import { PREFERENCE_SET_LIMITS } from '@prefs/core';
import { startApi, type ApiProcess } from '../src/server';
import { useApiTestContext } from './api-test-context';

/**
 * Storage per recipient is bounded: a set is at most 64 KiB (sent, or once merged, as stored), and a
 * recipient holds at most PREFERENCE_SETS_PER_RECIPIENT sets. A refused write stores nothing.
 */
const t = useApiTestContext();

const put = (userId: string, setId: string, body: object) => request(t.api.app).put(`/v1/users/${userId}/preferences/${setId}`).set(t.auth()).send(body);

async function storedSet(userId: string, setId: string): Promise<unknown> {
  const rows = await t.env.db.$queryRawUnsafe<{ preferences: unknown }[]>(
    'SELECT preferences FROM preference_sets WHERE recipient_id = $1 AND set_id = $2',
    userId,
    setId,
  );
  return rows[0]?.preferences ?? null;
}

describe('64 KiB per preference set', () => {
  it('refuses a document over the limit with 422 preference_set_too_large, storing nothing', async () => {
    const res = await put('big-1', 'default', { workflows: workflowsOfSize(70, 'a') });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'preference_set_too_large', errors: [{ field: 'preferences', type: 'preference_set_too_large' }] });
    expect(await storedSet('big-1', 'default')).toBeNull();
  });

  it('accepts a document just under it', async () => {
    expect((await put('big-2', 'default', { workflows: workflowsOfSize(40, 'a') })).status).toBe(200);
  });

  it('refuses a merge that would make the stored set pass the limit, leaving the set as it was', async () => {
    expect((await put('big-3', 'default', { workflows: workflowsOfSize(40, 'a'), __persistence_strategy__: 'merge' })).status).toBe(200);
    const before = await storedSet('big-3', 'default');
    const res = await put('big-3', 'default', { workflows: workflowsOfSize(40, 'b'), __persistence_strategy__: 'merge' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'preference_set_too_large', errors: [{ field: 'preferences' }] });
    expect(await storedSet('big-3', 'default')).toEqual(before);
    // Making room first lets the same merge through.
    expect((await put('big-3', 'default', { workflows: null, __persistence_strategy__: 'merge' })).status).toBe(200);
    expect((await put('big-3', 'default', { workflows: workflowsOfSize(40, 'b'), __persistence_strategy__: 'merge' })).status).toBe(200);
  });

  it('refuses a bulk set whose document is over the limit, before any operation exists', async () => {
    const res = await request(t.api.app)
      .post('/v1/users/bulk/preferences')
      .set(t.auth())
      .send({ user_ids: ['u1', 'u2'], preferences: { workflows: workflowsOfSize(70, 'a') } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('preference_set_too_large');
    const operations = await t.env.db.$queryRawUnsafe<{ count: bigint }[]>('SELECT count(*) AS count FROM bulk_operations');
    expect(Number(operations[0].count)).toBe(0);
  });

  it('holds every write path to it in the database too (the preference_sets_size check)', async () => {
    const oversized = JSON.stringify({ workflows: workflowsOfSize(70, 'a') });
    await expect(
      t.env.db.$executeRawUnsafe(
        `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences) VALUES ($1::uuid, '$users', 'raw', 'default', $2::jsonb)`,
        t.env.environmentId,
        oversized,
      ),
    ).rejects.toThrow(/preference_sets_size/);
    expect(PREFERENCE_SET_LIMITS.bytes).toBe(65536);
  });
});

describe('preference sets per recipient', () => {
  let limited: ApiProcess;
  beforeAll(async () => {
    limited = await startApi(t.env.apiConfig({ preferenceSetsPerRecipient: 3 }));
  });
  afterAll(async () => {
    await limited?.close();
  });
  const putLimited = (setId: string, body: object = { channel_types: { email: true } }) =>
    request(limited.app).put(`/v1/users/many-sets/preferences/${setId}`).set(t.auth()).send(body);

  it('refuses the next new set id with 422 too_many_preference_sets, and still updates the ones held', async () => {
    for (const setId of ['default', 'tenant-a', 'tenant-b']) expect((await putLimited(setId)).status).toBe(200);
    const refused = await putLimited('tenant-c');
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'too_many_preference_sets' });
    expect(await storedSet('many-sets', 'tenant-c')).toBeNull();
    expect((await putLimited('tenant-b', { channel_types: { email: false } })).status).toBe(200);
    expect(await storedSet('many-sets', 'tenant-b')).toMatchObject({ channel_types: { email: false } });
    // Deleting one makes room.
    expect((await request(limited.app).delete('/v1/users/many-sets/preferences/tenant-a').set(t.auth())).status).toBe(204);
    expect((await putLimited('tenant-c')).status).toBe(200);
  });
});

describe('a stored limit met on another route', () => {
  /** A `workflows` document as large as PostgreSQL holds it as `bytes` (jsonb), found by its last key's length. */
  async function documentOfSize(bytes: number): Promise<Record<string, unknown>> {
    const sized = async (padding: number) => {
      const document = { workflows: { ...workflowsOfSize(60, 'p'), ['z'.repeat(padding)]: true } };
      const rows = await t.env.db.$queryRawUnsafe<{ bytes: number }[]>('SELECT pg_column_size($1::jsonb) AS bytes FROM (SELECT 1) AS one', JSON.stringify(document));
      return { document, bytes: rows[0].bytes };
    };
    const shortest = await sized(1);
    const found = await sized(1 + bytes - shortest.bytes);
    if (found.bytes !== bytes) throw new Error(`could not size a document to ${bytes} bytes (got ${found.bytes})`);
    return found.document;
  }

  /** Stores a `default` set 20 bytes short of the limit for `userId` (turning anything off adds more than that). */
  async function storeNearlyFull(userId: string): Promise<Record<string, unknown>> {
    const nearlyFull = await documentOfSize(PREFERENCE_SET_LIMITS.bytes - 20);
    await t.env.db.$executeRawUnsafe(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences) VALUES ($1::uuid, '$users', $2, 'default', $3::jsonb)`,
      t.env.environmentId,
      userId,
      JSON.stringify(nearlyFull),
    );
    return nearlyFull;
  }

  it("the preference page's save that would pass 64 KiB is a 422 page, not a 5xx, and writes nothing", async () => {
    const nearlyFull = await storeNearlyFull('page-full');
    const link = await request(t.api.app).post('/v1/users/page-full/links').set(t.auth()).send({});
    const token = new URL(link.body.manage_preferences_url).searchParams.get('t') as string;
    const events = async () => Number((await t.env.db.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM unsubscribes WHERE user_id = 'page-full'"))[0].n);

    const res = await request(t.api.app)
      .post('/preferences')
      .type('form')
      .set('Accept', 'text/html')
      .send({ t: token, [`was:${JSON.stringify(['commercial_subscribed'])}`]: '1' });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain(`A preference set may hold at most ${PREFERENCE_SET_LIMITS.bytes} bytes`);
    expect(await storedSet('page-full', 'default')).toEqual(nearlyFull);
    expect(await events()).toBe(0);
  });

  it('a one-click unsubscribe into a nearly full set is honoured past 64 KiB: 200, the set changed, the event recorded', async () => {
    const nearlyFull = await storeNearlyFull('click-full');
    const linkPath = async (body: object) => {
      const url = new URL((await request(t.api.app).post('/v1/users/click-full/links').set(t.auth()).send(body)).body.commercial_unsubscribe_url);
      return `${url.pathname}${url.search}`;
    };
    const oneClick = (path: string) => request(t.api.app).post(path).type('form').send('List-Unsubscribe=One-Click');
    const commercial = await linkPath({});
    const events = async () => Number((await t.env.db.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM unsubscribes WHERE user_id = 'click-full'"))[0].n);

    const res = await oneClick(commercial);
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: 'You are unsubscribed.\n' });
    expect(await storedSet('click-full', 'default')).toEqual({ ...nearlyFull, commercial_subscribed: false });
    expect(await events()).toBe(1);
    // A scoped link adds its key past the limit too; a repeat changes nothing and is counted on its event.
    expect((await oneClick(await linkPath({ scope: 'categories.weekly-digest' }))).status).toBe(200);
    expect((await oneClick(commercial)).status).toBe(200);
    expect(await storedSet('click-full', 'default')).toEqual({ ...nearlyFull, commercial_subscribed: false, categories: { 'weekly-digest': false } });
    expect(await events()).toBe(2);
    // Only opt-outs pass the limit: any other write that leaves the set over it is refused, nothing written.
    const merge = await put('click-full', 'default', { channel_types: { email: true }, __persistence_strategy__: 'merge' });
    expect({ status: merge.status, code: merge.body.code }).toEqual({ status: 422, code: 'preference_set_too_large' });
    expect((await put('click-full', 'default', { commercial_subscribed: false })).status).toBe(200);
  });
});
