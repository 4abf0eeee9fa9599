import { userRecipient } from '@prefs/core';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request, { type Response } from 'supertest';
import { identifyUser, putEnvironmentDefaults, putPreferenceSet, setObject, setTenant } from '@prefs/db';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { OPENAPI_DOCUMENT } from '../src/openapi-document';
import { startApi, type ApiProcess } from '../src/server';

/**
 * GET /v1/users/:id/preferences/:set_id/effective and POST /v1/preferences/evaluate over HTTP, on real
 * PostgreSQL: the layers as stored, scoping to the key's environment, 422s that write nothing, 1,000
 * recipients, and every answer checked against the OpenAPI document.
 */
let env: TestEnvironment;
let api: ApiProcess;
let other: { secretKey: string; environmentId: string };

const emailChannel = '5a88728a-3ecb-400d-ba6f-9c0956ab252f';
const inEurope = { variable: 'tenant.region', operator: 'equal_to' as const, argument: 'eu' };
const isPro = { variable: 'recipient.plan', operator: 'equal_to' as const, argument: 'pro' };

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig());
  other = await env.createEnvironment('other');
  const environmentId = env.environmentId;
  await putEnvironmentDefaults(env.db, environmentId, { channel_types: { email: true }, categories: { marketing: { channel_types: { sms: false } } } }, 'replace');
  await setTenant(env.db, environmentId, {
    id: 'acme',
    name: 'Acme',
    properties: { region: 'eu' },
    preferenceSet: {
      strategy: 'replace',
      document: { categories: { security: { __strategy__: 'replace', channel_types: { email: true } } } } as never,
    },
  });
  await identifyUser(env.db, environmentId, { id: 'u1', properties: { plan: 'pro' } });
  await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'default', 'replace', {
    categories: { marketing: false, security: false },
    channels: { [emailChannel]: { conditions: [isPro] } },
  });
  await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'acme', 'replace', { workflows: { digest: { conditions: [inEurope] } } });
  await putPreferenceSet(env.db, environmentId, userRecipient('u2'), 'default', 'replace', { commercial_subscribed: false });
  // The other environment has a user of the same id who turned email off: never visible from the first.
  await putPreferenceSet(env.db, other.environmentId, userRecipient('u1'), 'default', 'replace', { channel_types: { email: false } });
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'paths', 'components', 'security', 'tags', 'servers', 'webhooks']);
ajv.addSchema(OPENAPI_DOCUMENT, 'openapi.json');
const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The answer matches what the document says of this operation and status. */
function conforms(method: string, template: string, res: Response): void {
  const operation = OPENAPI_DOCUMENT.paths[template][method] as { responses: Record<string, { $ref?: string }> };
  const documented = operation.responses[String(res.status)];
  if (documented === undefined) throw new Error(`${method} ${template} does not document ${res.status}`);
  const location = documented.$ref
    ? `openapi.json#/${pointer('components', 'responses', documented.$ref.split('/').pop() as string)}`
    : `openapi.json#/${pointer('paths', template, method, 'responses', String(res.status))}`;
  const validate = ajv.compile({ $ref: `${location}/${pointer('content', 'application/json', 'schema')}` });
  if (!validate(res.body)) throw new Error(`${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}`);
}

const auth = (key = env.secretKey) => ({ Authorization: `Bearer ${key}` });
const EFFECTIVE = '/v1/users/{user_id}/preferences/{id}/effective';
const EVALUATE = '/v1/preferences/evaluate';

async function effective(path: string, key?: string): Promise<Response> {
  const res = await request(api.app).get(path).set(auth(key));
  conforms('get', EFFECTIVE, res);
  return res;
}

async function evaluate(body: unknown, query = '', key?: string): Promise<Response> {
  const res = await request(api.app).post(`${EVALUATE}${query}`).set(auth(key)).send(body as object);
  conforms('post', EVALUATE, res);
  return res;
}

async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await env.db.$queryRawUnsafe<Record<string, bigint>[]>(
    `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM preference_sets) AS preference_sets,
            (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM environment_defaults) AS environment_defaults`,
  );
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)]));
}

const email = { type: 'email' };

describe('GET /v1/users/:user_id/preferences/:set_id/effective', () => {
  it('merges the environment default under the user default set, naming the source of every leaf', async () => {
    const res = await effective('/v1/users/u1/preferences/default/effective');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.body).toEqual({
      __typename: 'PreferenceSet',
      id: 'default',
      categories: { marketing: false, security: false },
      workflows: null,
      channel_types: { email: true },
      channels: { [emailChannel]: { conditions: [isPro] } },
      commercial_subscribed: null,
      sources: {
        'categories.marketing': 'user:default',
        'categories.security': 'user:default',
        'channel_types.email': 'environment',
        [`channels.${emailChannel}`]: 'user:default',
      },
    });
  });

  it('in a tenant, adds its default and the user set named after it; a replace entry wins, without its marker', async () => {
    const res = await effective('/v1/users/u1/preferences/default/effective?tenant=acme');
    expect(res.body.categories).toEqual({ marketing: false, security: { channel_types: { email: true } } });
    expect(res.body.workflows).toEqual({ digest: { conditions: [inEurope] } });
    expect(res.body.sources).toMatchObject({ 'categories.security.channel_types.email': 'tenant:acme', 'workflows.digest.conditions': 'user:acme' });
    expect(JSON.stringify(res.body)).not.toContain('__strategy__');
  });

  it('takes the tenant from the set id, and refuses a ?tenant= naming another', async () => {
    const bySet = await effective('/v1/users/u1/preferences/acme/effective');
    const byQuery = await effective('/v1/users/u1/preferences/default/effective?tenant=acme');
    expect({ ...bySet.body, id: 'default' }).toEqual(byQuery.body);
    const mismatch = await effective('/v1/users/u1/preferences/acme/effective?tenant=globex');
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.errors.map((error: { field: string }) => error.field)).toEqual(['tenant']);
  });

  it('gives a user with nothing stored the layers below theirs', async () => {
    const res = await effective('/v1/users/nobody/preferences/default/effective');
    expect(res.body).toMatchObject({ channel_types: { email: true }, categories: { marketing: { channel_types: { sms: false } } }, workflows: null });
  });

  it('refuses a bad user id or tenant with 422 naming the field', async () => {
    const longId = await effective(`/v1/users/${'x'.repeat(256)}/preferences/default/effective`);
    expect(longId.status).toBe(422);
    expect(longId.body.errors[0].field).toBe('user_id');
    const badTenant = await effective(`/v1/users/u1/preferences/default/effective?tenant=${'t'.repeat(256)}`);
    expect(badTenant.status).toBe(422);
    expect(badTenant.body.errors[0].field).toBe('tenant');
  });

  it("shows a key of another environment only that environment's layers", async () => {
    const res = await effective('/v1/users/u1/preferences/default/effective?tenant=acme', other.secretKey);
    expect(res.body).toMatchObject({ channel_types: { email: false }, categories: null, workflows: null, sources: { 'channel_types.email': 'user:default' } });
  });

  it('answers 401 without a key', async () => {
    const res = await request(api.app).get('/v1/users/u1/preferences/default/effective');
    conforms('get', EFFECTIVE, res);
    expect(res.status).toBe(401);
  });
});

describe('POST /v1/preferences/evaluate', () => {
  it('decides for each recipient, in request order, naming what blocked and where it came from', async () => {
    const res = await evaluate({ recipients: ['u1', 'u2', 'nobody'], workflow: { key: 'promo', categories: ['marketing'], commercial: true }, channel: email });
    expect(res.status).toBe(200);
    expect(res.body.entries).toEqual([
      { recipient: 'u1', allowed: false, blocked_by: { layer: 'user:default', path: 'categories.marketing', reason: 'false' } },
      { recipient: 'u2', allowed: false, blocked_by: { layer: 'user:default', path: 'commercial_subscribed', reason: 'commercial_unsubscribed' } },
      { recipient: 'nobody', allowed: true, blocked_by: null },
    ]);
  });

  it('applies the environment default to its channel type only', async () => {
    const res = await evaluate({ recipients: ['nobody'], workflow: { key: 'promo', categories: ['marketing'] }, channel: { type: 'sms' } });
    expect(res.body.entries[0].blocked_by).toEqual({ layer: 'environment', path: 'categories.marketing.channel_types.sms', reason: 'false' });
  });

  it("lets the tenant's replace entry win over the user's own false", async () => {
    const outside = await evaluate({ recipients: ['u1'], workflow: { key: 'alert', categories: ['security'] }, channel: email });
    expect(outside.body.entries[0].blocked_by).toMatchObject({ path: 'categories.security', layer: 'user:default' });
    const inAcme = await evaluate({ recipients: ['u1'], workflow: { key: 'alert', categories: ['security'] }, channel: email, tenant: 'acme' });
    expect(inAcme.body.entries[0]).toEqual({ recipient: 'u1', allowed: true, blocked_by: null });
  });

  it('evaluates conditions over stored tenant and user properties, the request properties winning', async () => {
    const stored = await evaluate({ recipients: ['u1'], workflow: { key: 'digest' }, channel: { type: 'email', id: emailChannel }, tenant: 'acme' });
    expect(stored.body.entries[0].allowed).toBe(true);
    const sent = await evaluate({ recipients: [{ id: 'u1', plan: 'free' }], workflow: { key: 'digest' }, channel: { type: 'email', id: emailChannel }, tenant: 'acme' });
    expect(sent.body.entries[0].blocked_by).toEqual({ layer: 'user:default', path: `channels.${emailChannel}`, reason: 'condition', condition: isPro });
  });

  it('with ?trace=true, lists every rule considered with its layer and outcome', async () => {
    const res = await evaluate({ recipients: ['u1'], workflow: { key: 'digest' }, channel: email, tenant: 'acme' }, '?trace=true');
    expect(res.body.entries[0].trace.map((step: { rule: string; path: string; layer: string | null; outcome: string }) => [step.rule, step.path, step.layer, step.outcome])).toEqual([
      ['channel_type', 'channel_types.email', 'environment', 'allowed'],
      ['conditions', 'workflows.digest.conditions', 'user:acme', 'allowed'],
      ['channel_type', 'workflows.digest.channel_types.email', null, 'unset'],
    ]);
    const without = await evaluate({ recipients: ['u1'], workflow: { key: 'digest' }, channel: email });
    expect(without.body.entries[0]).not.toHaveProperty('trace');
  });

  it("decides for objects from the same layers as a user's: the object's properties, its sets and the tenant's", async () => {
    await setObject(env.db, env.environmentId, 'projects', { id: 'u1', properties: { plan: 'free' } });
    const project = { collection: 'projects', id: 'u1' };
    await putPreferenceSet(env.db, env.environmentId, project, 'default', 'replace', { categories: { marketing: true }, channels: { [emailChannel]: { conditions: [isPro] } } });
    await putPreferenceSet(env.db, env.environmentId, project, 'acme', 'replace', { workflows: { digest: false } });
    const asked = { recipients: ['u1', { id: 'u1', collection: 'projects' }, { id: 'nothing', collection: 'projects' }], workflow: { key: 'news', categories: ['marketing'] }, channel: email };
    const res = await evaluate(asked);
    conforms('post', EVALUATE, res);
    // The user of the same id refused marketing; the project allowed it; an object never set has the environment's layer only.
    expect(res.body.entries).toEqual([
      { recipient: 'u1', allowed: false, blocked_by: { layer: 'user:default', path: 'categories.marketing', reason: 'false' } },
      { recipient: { id: 'u1', collection: 'projects' }, allowed: true, blocked_by: null },
      { recipient: { id: 'nothing', collection: 'projects' }, allowed: true, blocked_by: null },
    ]);
    // The object's own tenant set, and its stored properties in conditions (the sent ones winning).
    const digest = await evaluate({ recipients: [project], workflow: { key: 'digest' }, channel: email, tenant: 'acme' });
    expect(digest.body.entries[0]).toMatchObject({ allowed: false, blocked_by: { layer: 'object:acme', path: 'workflows.digest' } });
    const toChannel = { workflow: { key: 'w' }, channel: { type: 'email', id: emailChannel } };
    expect((await evaluate({ recipients: [project], ...toChannel })).body.entries[0]).toMatchObject({ allowed: false, blocked_by: { layer: 'object:default', reason: 'condition' } });
    expect((await evaluate({ recipients: [{ ...project, plan: 'pro' }], ...toChannel })).body.entries[0]).toMatchObject({ allowed: true });
    const refused = await evaluate({ ...asked, recipients: [{ id: 'u1', collection: '$users' }] });
    expect({ status: refused.status, fields: refused.body.errors.map((error: { field: string }) => error.field) }).toEqual({ status: 422, fields: ['recipients.0.collection'] });
  });

  it('answers 1,000 recipients, one entry per distinct recipient', async () => {
    const recipients = [...Array.from({ length: 998 }, (_, index) => `bulk-${index}`), 'u1', 'u2'];
    const res = await evaluate({ recipients, workflow: { key: 'promo', commercial: true }, channel: email });
    expect(res.status).toBe(200);
    expect(res.body.entries.map((entry: { recipient: string }) => entry.recipient)).toEqual(recipients);
    expect(res.body.entries.filter((entry: { allowed: boolean }) => !entry.allowed).map((entry: { recipient: string }) => entry.recipient)).toEqual(['u2']);
  });

  it.each<[string, unknown, string, string[]]>([
    ['1,001 recipients', { recipients: Array.from({ length: 1001 }, (_, index) => `u${index}`), workflow: { key: 'w' }, channel: email }, '', ['recipients']],
    ['an unknown channel type', { recipients: ['u1'], workflow: { key: 'w' }, channel: { type: 'fax' } }, '', ['channel.type']],
    ['no workflow key', { recipients: ['u1'], workflow: {}, channel: email }, '', ['workflow.key']],
    ['a bad recipient and a bad trace flag', { recipients: ['u1', { name: 'x' }], workflow: { key: 'w' }, channel: email }, '?trace=yes', ['trace', 'recipients.1.id']],
  ])('refuses %s with 422 naming the fields, and writes nothing', async (_what, body, query, fields) => {
    const before = await rowCounts();
    const res = await evaluate(body, query);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_params');
    expect(res.body.errors.map((error: { field: string }) => error.field)).toEqual(fields);
    expect(await rowCounts()).toEqual(before);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await request(api.app).post(EVALUATE).set(auth()).set('Content-Type', 'application/json').send('{"recipients": [');
    conforms('post', EVALUATE, res);
    expect(res.status).toBe(400);
  });

  it("decides a key of another environment on that environment's layers only", async () => {
    const body = { recipients: ['u1', 'u2'], workflow: { key: 'promo', categories: ['marketing'], commercial: true }, channel: email, tenant: 'acme' };
    const res = await evaluate(body, '?trace=true', other.secretKey);
    expect(res.body.entries.map((entry: { allowed: boolean; blocked_by: unknown }) => [entry.allowed, entry.blocked_by])).toEqual([
      [false, { layer: 'user:default', path: 'channel_types.email', reason: 'false' }],
      [true, null],
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/environment"|tenant:acme|user:acme/);
  });

  it('answers 401 without a key', async () => {
    const res = await request(api.app).post(EVALUATE).send({});
    conforms('post', EVALUATE, res);
    expect(res.status).toBe(401);
  });
});
