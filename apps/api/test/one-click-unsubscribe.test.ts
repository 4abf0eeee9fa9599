import request from 'supertest';
import { startApi } from '../src/server';
import { useApiTestContext } from './api-test-context';

/** RFC 8058 one-click unsubscribe and the unsubscribe records, over HTTP against real PostgreSQL and Redis. */
const t = useApiTestContext();
/** PAGE_BODY_LIMIT_BYTES by default: the one-click POST is a page's POST. */
const PAGE_LIMIT = 16 * 1024;
async function linkFor(userId: string, body: object = {}, app = t.api.app) {
  const res = await request(app).post(`/v1/users/${encodeURIComponent(userId)}/links`).set(t.auth()).send(body);
  expect(res.status).toBe(200);
  const url = new URL(res.body.commercial_unsubscribe_url);
  return { path: `${url.pathname}${url.search}`, token: url.searchParams.get('t') as string, linkId: res.body.link_id as string };
}
const oneClick = (path: string, app = t.api.app) =>
  request(app).post(path).set('Content-Type', 'application/x-www-form-urlencoded').send('List-Unsubscribe=One-Click');
const stored = async (userId: string) => (await request(t.api.app).get(`/v1/users/${encodeURIComponent(userId)}/preferences/default`).set(t.auth())).body;
const listed = async (userId: string, key?: string) => (await request(t.api.app).get(`/v1/users/${encodeURIComponent(userId)}/unsubscribes`).set(t.auth(key))).body;
const countEvents = async () => Number((await t.env.db.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM unsubscribes'))[0].n);
const countSets = async () => Number((await t.env.db.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM preference_sets'))[0].n);

describe('POST to the List-Unsubscribe URL (RFC 8058)', () => {
  it('urlencoded: answers 200 with a short text, no redirect, no cookie, and commercial_subscribed is false (a merge)', async () => {
    await request(t.api.app).put('/v1/users/ann/preferences/default').set(t.auth()).send({ categories: { product: true }, commercial_subscribed: true });
    const link = await linkFor('ann');
    const res = await oneClick(link.path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('You are unsubscribed.\n');
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await stored('ann')).toMatchObject({ categories: { product: true }, commercial_subscribed: false });
  });

  it('multipart/form-data works the same', async () => {
    const link = await linkFor('bea');
    const res = await request(t.api.app).post(link.path).field('List-Unsubscribe', 'One-Click');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await stored('bea')).commercial_subscribed).toBe(false);
  });

  it('a scoped link sets that key to false instead, and leaves commercial_subscribed alone', async () => {
    const link = await linkFor('cy', { scope: 'categories.weekly-digest' });
    expect((await oneClick(link.path)).status).toBe(200);
    const workflow = await linkFor('cy', { scope: 'workflows.launch' });
    expect((await oneClick(workflow.path)).status).toBe(200);
    expect(await stored('cy')).toMatchObject({ categories: { 'weekly-digest': false }, workflows: { launch: false }, commercial_subscribed: null });
  });

  it('a repeat that changes nothing is not stored again: the stored event counts it (repeats, last_at)', async () => {
    const link = await linkFor('dan', { tenant: 'acme' });
    const before = await countEvents();
    for (let i = 0; i < 3; i += 1) expect((await oneClick(link.path)).status).toBe(200);
    expect((await stored('dan')).commercial_subscribed).toBe(false);
    expect(await countEvents()).toBe(before + 1);
    const page = await listed('dan');
    expect(page.entries).toEqual([
      {
        __typename: 'Unsubscribe',
        id: expect.any(String),
        user_id: 'dan',
        scope: null,
        tenant: 'acme',
        link_id: link.linkId,
        source: 'one_click',
        inserted_at: expect.stringMatching(/Z$/),
        repeats: 2,
        last_at: expect.stringMatching(/Z$/),
      },
    ]);
    expect(page.entries[0].last_at >= page.entries[0].inserted_at).toBe(true);
  });

  it('concurrent POSTs of one link are each accounted for once: stored rows plus their repeats', async () => {
    const link = await linkFor('dot');
    const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await oneClick(link.path)).status));
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    const entries = (await listed('dot')).entries as { repeats: number }[];
    expect(entries.length + entries.reduce((sum, entry) => sum + entry.repeats, 0)).toBe(20);
  });

  it('a POST that changes something is a new event: after a resubscribe, or through another link', async () => {
    const link = await linkFor('dee');
    await oneClick(link.path);
    await oneClick(link.path);
    await request(t.api.app).put('/v1/users/dee/preferences/default').set(t.auth()).send({ commercial_subscribed: true, __persistence_strategy__: 'merge' });
    await oneClick(link.path);
    const other = await linkFor('dee');
    await oneClick(other.path);
    await oneClick(other.path);
    const entries = (await listed('dee')).entries as { link_id: string; repeats: number; inserted_at: string }[];
    // Newest first: the other link's event (one repeat), the link's event after the resubscribe, its first event (one repeat).
    expect(entries.map((entry) => [entry.link_id, entry.repeats])).toEqual([[other.linkId, 1], [link.linkId, 0], [link.linkId, 1]]);
    const times = entries.map((entry) => entry.inserted_at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('any other body is a 400 and writes nothing', async () => {
    const link = await linkFor('eve');
    const before = [await countEvents(), await countSets()];
    const bodies: [string, string][] = [
      ['application/x-www-form-urlencoded', ''],
      ['application/x-www-form-urlencoded', 'List-Unsubscribe=one-click'],
      ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click&x=1'],
      ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click&List-Unsubscribe=One-Click'],
      ['application/x-www-form-urlencoded', 'unsubscribe=yes'],
      ['application/json', '{"List-Unsubscribe":"One-Click"}'],
      ['text/plain', 'List-Unsubscribe=One-Click'],
      ['multipart/form-data', 'List-Unsubscribe=One-Click'],
      ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--xyz\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nx\r\n--xyz--\r\n'],
      ['application/x-www-form-urlencoded', `List-Unsubscribe=One-Click&pad=${'x'.repeat(10_000)}`],
      ['application/x-www-form-urlencoded', `List-Unsubscribe=One-Click&pad=${'x'.repeat(20_000)}`],
    ];
    for (const [type, body] of bodies) {
      const res = await request(t.api.app).post(link.path).set('Content-Type', type).send(body);
      expect({ type, body: body.slice(0, 40), status: res.status }).toEqual({ type, body: body.slice(0, 40), status: body.length > PAGE_LIMIT ? 413 : 400 });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await request(t.api.app).post(link.path)).status).toBe(400);
    expect([await countEvents(), await countSets()]).toEqual(before);
  });

  it('reads up to PAGE_BODY_LIMIT_BYTES (16 KiB): a body at the limit unsubscribes, one byte more is a 413 naming the limit and writes nothing', async () => {
    const link = await linkFor('lou');
    // RFC 8058's body padded with trailing spaces (the form's text is trimmed) to exactly `bytes`.
    const padded = (bytes: number) => `List-Unsubscribe=One-Click${' '.repeat(bytes - 'List-Unsubscribe=One-Click'.length)}`;
    const send = (body: string) => request(t.api.app).post(link.path).set('Content-Type', 'application/x-www-form-urlencoded').send(body);
    const before = [await countEvents(), await countSets()];

    const over = await send(padded(PAGE_LIMIT + 1));
    expect(over.status).toBe(413);
    expect(over.text).toBe(`This request is too large. The request body is larger than ${PAGE_LIMIT} bytes, the most this caller may send to this endpoint\n`);
    const overFromBrowser = await send(padded(PAGE_LIMIT + 1)).set('Accept', 'text/html');
    expect(overFromBrowser.status).toBe(413);
    expect(overFromBrowser.text).toContain(`larger than ${PAGE_LIMIT} bytes`);
    expect([await countEvents(), await countSets()]).toEqual(before);

    const atLimit = await send(padded(PAGE_LIMIT));
    expect(atLimit.status).toBe(200);
    expect((await stored('lou')).commercial_subscribed).toBe(false);
    expect(await countEvents()).toBe(before[0] + 1);
  });

  it('a bad or tampered token is a 400 in words and writes nothing', async () => {
    const link = await linkFor('fay');
    const before = [await countEvents(), await countSets()];
    for (const path of [link.path.slice(0, -3), '/unsubscribe', '/unsubscribe?t=', `/unsubscribe?t=${link.token}&t=${link.token}`, link.path.replace('.', 'A.')]) {
      const res = await oneClick(path);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/^This link is not valid\./);
      expect(res.text).not.toMatch(/at .*\.js|Error:/);
    }
    expect([await countEvents(), await countSets()]).toEqual(before);
  });

  it('a browser submitting the confirmation gets a page, still 200 and not a redirect', async () => {
    const link = await linkFor('gus');
    const res = await oneClick(link.path).set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are unsubscribed');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});

describe('GET of the List-Unsubscribe URL', () => {
  it('never writes: it shows a confirmation whose button posts the one-click body, and a link to the preference center', async () => {
    const link = await linkFor('hal');
    const before = [await countEvents(), await countSets()];
    const res = await request(t.api.app).get(link.path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<form method="post" action="/unsubscribe?t=');
    expect(res.text).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(res.text).toContain('href="/preferences?t=');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect([await countEvents(), await countSets()]).toEqual(before);
  });
});

describe('GET /v1/users/:id/unsubscribes', () => {
  it('pages newest first with a cursor; validates its parameters', async () => {
    // Five links: a repeat of one link would count on its event, not make another.
    for (let i = 0; i < 5; i += 1) await oneClick((await linkFor('ivy')).path);
    const first = await request(t.api.app).get('/v1/users/ivy/unsubscribes?page_size=2').set(t.auth());
    expect(first.body.entries).toHaveLength(2);
    const second = await request(t.api.app).get(`/v1/users/ivy/unsubscribes?page_size=2&after=${first.body.page_info.after}`).set(t.auth());
    const third = await request(t.api.app).get(`/v1/users/ivy/unsubscribes?page_size=2&after=${second.body.page_info.after}`).set(t.auth());
    expect(third.body.entries).toHaveLength(1);
    expect(third.body.page_info.after).toBeNull();
    const ids = [...first.body.entries, ...second.body.entries, ...third.body.entries].map((entry: { id: string }) => entry.id);
    expect(new Set(ids).size).toBe(5);
    const bad = await request(t.api.app).get('/v1/users/ivy/unsubscribes?page_size=0&after=zzz').set(t.auth());
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((error: { field: string }) => error.field)).toEqual(['page_size', 'after']);
  });

  it('another environment sees none of them', async () => {
    expect((await listed('ivy', t.otherKey)).entries).toEqual([]);
  });
});

describe('rate limits of the end users\' routes', () => {
  it('count per link: one link over its limit does not throttle another link of the same environment', async () => {
    const limited = await startApi(t.env.apiConfig({ rateLimits: [1, 1, 2, 200, 1000] }));
    try {
      const a = await linkFor('jo', {}, limited.app);
      const b = await linkFor('kim', {}, limited.app);
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await oneClick(a.path, limited.app)).status);
      expect(statuses).toContain(429);
      expect((await oneClick(b.path, limited.app)).status).toBe(200);
      expect((await request(limited.app).get(b.path)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
