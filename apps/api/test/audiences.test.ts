import Knock from '@knocklabs/node';
import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/**
 * Knock's audiences over HTTP against real PostgreSQL, with `@knocklabs/node` 1.35 unchanged: adding
 * members identifies them (with `create_audience`, or 404), listing pages them newest first with their
 * users, removing takes a membership by its tenant; `is_audience_member` holds for members (a tenant's
 * membership only in that tenant's evaluations); deleting a user removes its memberships.
 */
const t = useApiTestContext();
let knock: Knock;
beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});
const members = (key: string) => request(t.api.app).get(`/v1/audiences/${key}/members`).set(t.auth());
const evaluate = (recipients: string[], tenant?: string) =>
  request(t.api.app)
    .post('/v1/preferences/evaluate')
    .set(t.auth())
    .send({ recipients, workflow: { key: 'beta-news', categories: [] }, channel: { type: 'email' }, ...(tenant ? { tenant } : {}) });

describe('audience members', () => {
  it('adds members through the SDK, identifying each user, and lists them with their users', async () => {
    await expect(knock.audiences.addMembers('nowhere', { members: [{ user: { id: 'x' } }] })).rejects.toMatchObject({ status: 404 });
    await knock.audiences.addMembers('beta', { members: [{ user: { id: 'ann', name: 'Ann' } }, { user: { id: 'bob' }, tenant: 'acme' }], create_audience: true });
    const listed = await knock.audiences.listMembers('beta');
    expect(listed.entries.map((member) => [member.user_id, member.tenant, member.user.name ?? null]).sort()).toEqual([
      ['ann', null, 'Ann'],
      ['bob', 'acme', null],
    ]);
    expect(listed.entries[0]).toMatchObject({ __typename: 'AudienceMember', added_at: expect.any(String), user: { __typename: 'User' } });
    expect((await request(t.api.app).get('/v1/users/ann').set(t.auth())).body.name).toBe('Ann');
  });

  it('pages members with page_size and after', async () => {
    const ids = Array.from({ length: 7 }, (_, index) => `pager-${index}`);
    await request(t.api.app).post('/v1/audiences/paged/members?create_audience=true').set(t.auth()).send({ members: ids.map((id) => ({ user: { id } })) });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: request.Response = await request(t.api.app).get(`/v1/audiences/paged/members?page_size=3${after ? `&after=${after}` : ''}`).set(t.auth());
      expect(res.status).toBe(200);
      seen.push(...res.body.entries.map((member: { user_id: string }) => member.user_id));
      after = res.body.page_info.after;
    } while (after);
    expect(seen.sort()).toEqual(ids);
    expect((await request(t.api.app).get('/v1/audiences/paged/members?after=forged').set(t.auth())).status).toBe(422);
  });

  it('removes a membership by its tenant, and refuses bad bodies naming the field', async () => {
    await request(t.api.app).post('/v1/audiences/removals/members?create_audience=true').set(t.auth()).send({ members: [{ user: { id: 'cy' } }, { user: { id: 'cy' }, tenant: 'acme' }] });
    await knock.audiences.removeMembers('removals', { members: [{ user: { id: 'cy' }, tenant: 'acme' }] });
    expect((await members('removals')).body.entries.map((member: { tenant: string | null }) => member.tenant)).toEqual([null]);
    const bad = await request(t.api.app).post('/v1/audiences/removals/members').set(t.auth()).send({ members: [{ user: { name: 'no id' } }] });
    expect({ status: bad.status, fields: bad.body.errors.map((error: { field: string }) => error.field) }).toEqual({ status: 422, fields: ['members.0.user.id'] });
    expect((await request(t.api.app).post('/v1/audiences/removals/members?create_audience=maybe').set(t.auth()).send({ members: [{ user: { id: 'cy' } }] })).status).toBe(422);
    expect((await request(t.api.app).delete('/v1/audiences/nowhere/members').set(t.auth()).send({ members: [{ user: { id: 'cy' } }] })).status).toBe(404);
  });

  it('keeps each environment to its own audiences', async () => {
    expect((await request(t.api.app).get('/v1/audiences/beta/members').set(t.auth(t.otherKey))).status).toBe(404);
  });
});

describe('is_audience_member in evaluation', () => {
  it('holds for members, a tenant membership only with that tenant, and stops when the user is deleted', async () => {
    await request(t.api.app).put('/v1/environment/preferences').set(t.auth()).send({ workflows: { 'beta-news': { conditions: [{ variable: 'recipient', operator: 'is_audience_member', argument: 'testers' }] } } });
    await request(t.api.app).post('/v1/audiences/testers/members?create_audience=true').set(t.auth()).send({ members: [{ user: { id: 'dee' } }, { user: { id: 'eve' }, tenant: 'acme' }] });
    const allowed = async (recipients: string[], tenant?: string) =>
      Object.fromEntries((await evaluate(recipients, tenant)).body.entries.map((entry: { recipient: string; allowed: boolean }) => [entry.recipient, entry.allowed]));
    expect(await allowed(['dee', 'eve', 'fay'])).toEqual({ dee: true, eve: false, fay: false });
    expect(await allowed(['dee', 'eve', 'fay'], 'acme')).toEqual({ dee: true, eve: true, fay: false });
    expect(await allowed(['eve'], 'globex')).toEqual({ eve: false });

    expect((await request(t.api.app).delete('/v1/users/dee').set(t.auth())).status).toBe(204);
    expect(await allowed(['dee'])).toEqual({ dee: false });
    expect((await members('testers')).body.entries.map((member: { user_id: string }) => member.user_id)).toEqual(['eve']);
  });
});
