import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request, { type Response } from 'supertest';
import { signUserToken } from '@knocklabs/node';
import { createApiKey, createSigningKey } from '@prefs/db';
import { createBulkQueue, createWorkerConnection } from '@prefs/queue';
import { createTestEnvironment, userIds, waitFor, type TestEnvironment } from '@prefs/testing';
import { createWorker, type PrefsWorker } from '../../apps/worker/src/worker';
import { startApi, type ApiProcess } from '../../apps/api/src/server';

/**
 * GET /openapi.json is a valid OpenAPI 3.1 document, and real answers of every endpoint it describes (each
 * documented status we can provoke) validate against it; every operation it documents is exercised.
 */
type OpenApi = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }>; $ref?: string }> }>> };

let env: TestEnvironment;
let api: ApiProcess;
let worker: PrefsWorker;
let document: OpenApi;
let ajv: Ajv2020;
/** method + path template -> statuses checked against the document. */
const checked = new Map<string, Set<string>>();

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ adminUser: 'ops', adminPassword: 'pw' }));
  worker = createWorker(env.workerConfig());
  await worker.start();
  const res = await request(api.app).get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  document = res.body as OpenApi;
  // The document's JSON Schemas are 2020-12 (OpenAPI 3.1's dialect); `$ref`s resolve inside the document.
  ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addVocabulary(['openapi', 'info', 'paths', 'components', 'security', 'tags', 'servers', 'webhooks']);
  ajv.addSchema(document, 'openapi.json');
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function validatorFor(method: string, template: string, status: string, mediaType: string): ValidateFunction {
  const operation = document.paths[template]?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${template} is not in the document`);
  let responseObject = operation.responses[status];
  if (!responseObject) throw new Error(`${method.toUpperCase()} ${template} does not document ${status}`);
  let location = `openapi.json#/${pointer('paths', template, method, 'responses', status)}`;
  if (responseObject.$ref) {
    const name = responseObject.$ref.split('/').pop() as string;
    responseObject = (document as unknown as { components: { responses: Record<string, typeof responseObject> } }).components.responses[name];
    location = `openapi.json#/${pointer('components', 'responses', name)}`;
  }
  if (!responseObject.content?.[mediaType]) throw new Error(`${method.toUpperCase()} ${template} ${status} documents no ${mediaType} body`);
  return ajv.compile({ $ref: `${location}/${pointer('content', mediaType, 'schema')}` });
}

/** Checks one real response against the document and records that it was checked. */
function conforms(method: string, template: string, res: Response): void {
  const status = String(res.status);
  const key = `${method} ${template}`;
  if (!checked.has(key)) checked.set(key, new Set());
  checked.get(key)?.add(status);
  if (res.status === 204) {
    expect(document.paths[template][method].responses['204']).toBeDefined();
    return;
  }
  const mediaType = (res.headers['content-type'] ?? '').split(';')[0];
  const validate = validatorFor(method, template, status, mediaType);
  const body = mediaType === 'application/json' ? res.body : res.text;
  if (!validate(body)) throw new Error(`${key} ${status} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}

/**
 * Checks the request body that got `res` against the document's request schema: a body the API took (200, 204) must
 * be valid there, and one it refused as invalid params must be invalid there too.
 */
function requestConforms(method: string, template: string, body: unknown, res: Response): void {
  const location = `openapi.json#/${pointer('paths', template, method, 'requestBody', 'content', 'application/json', 'schema')}`;
  const validate = ajv.compile({ $ref: location });
  const valid = validate(body);
  if (res.status === 200 || res.status === 204) expect({ status: res.status, valid, errors: ajv.errorsText(validate.errors) }).toEqual({ status: res.status, valid: true, errors: 'No errors' });
  else if (res.status === 422) expect({ status: res.status, valid }).toEqual({ status: 422, valid: false });
  else throw new Error(`requestConforms takes a 200 or a 422, got ${res.status}`);
}

const auth = () => ({ Authorization: `Bearer ${env.secretKey}` });
const condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    expect(document.openapi).toBe('3.1.0');
    const dir = mkdtempSync(path.join(tmpdir(), 'prefs-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
      const result = spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
      expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: expect.stringContaining('"valid": true') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes real answers of every endpoint', async () => {
    const app = api.app;
    const bulk = '/v1/users/bulk/preferences';
    const ids = userIds(20, 'openapi');
    const bulkBody = {
      user_ids: ids,
      preferences: {
        id: 'acme',
        categories: { marketing: false, product: { channel_types: { email: true, sms: { conditions: [condition] } }, channels: { 'c7a6a0f5-0000-4000-8000-000000000001': false }, conditions: [condition] } },
        workflows: { welcome: true },
        channel_types: { push: false, in_app_feed: { conditions: [condition] } },
        channels: { 'c7a6a0f5-0000-4000-8000-000000000002': true },
        commercial_subscribed: { conditions: [condition] },
      },
    };
    const created = await request(app).post(bulk).set(auth()).send(bulkBody);
    conforms('post', bulk, created);
    requestConforms('post', bulk, bulkBody, created);
    const badBulkBody = { user_ids: [], preferences: { channel_types: { fax: true } } };
    const refused = await request(app).post(bulk).set(auth()).send(badBulkBody);
    conforms('post', bulk, refused);
    requestConforms('post', bulk, badBulkBody, refused);
    conforms('post', bulk, await request(app).post(bulk).set(auth()).set('Content-Type', 'application/json').send('{"user_ids": ['));
    conforms('post', bulk, await request(app).post(bulk).set(auth()).set('Content-Type', 'text/plain').send('user_ids'));
    conforms('post', bulk, await request(app).post(bulk).send({}));
    // With Knock's limits, tier 1 allows one bulk request per second: of a quick run, some are limited.
    const limited = await startApi(env.apiConfig({ rateLimits: [1, 5, 60, 200, 1000] }));
    try {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const res = await request(limited.app).post(bulk).set(auth()).send({ user_ids: [], preferences: {} });
        if (res.status === 429) {
          conforms('post', bulk, res);
          break;
        }
      }
    } finally {
      await limited.close();
    }
    expect(checked.get(`post ${bulk}`)).toEqual(new Set(['200', '422', '400', '415', '401', '429']));

    const operationId = created.body.id as string;
    await waitFor(async () => (await request(app).get(`/v1/bulk_operations/${operationId}`).set(auth())).body.status === 'completed');
    conforms('get', '/v1/bulk_operations/{id}', await request(app).get(`/v1/bulk_operations/${operationId}`).set(auth()));
    conforms('get', '/v1/bulk_operations/{id}', await request(app).get('/v1/bulk_operations/00000000-0000-4000-8000-000000000000').set(auth()));
    conforms('get', '/v1/bulk_operations/{id}', await request(app).get(`/v1/bulk_operations/${operationId}`));

    conforms('get', '/v1/bulk_operations', await request(app).get('/v1/bulk_operations').set(auth()));
    conforms('get', '/v1/bulk_operations', await request(app).get('/v1/bulk_operations?page_size=1&status=completed').set(auth()));
    conforms('get', '/v1/bulk_operations', await request(app).get('/v1/bulk_operations?page_size=0').set(auth()));

    const items = '/v1/bulk_operations/{id}/items';
    const itemsOf = (id: string) => `/v1/bulk_operations/${id}/items`;
    conforms('get', items, await request(app).get(`${itemsOf(operationId)}?page_size=2`).set(auth()));
    conforms('get', items, await request(app).get(`${itemsOf(operationId)}?status=nope`).set(auth()));
    conforms('get', items, await request(app).get(itemsOf('00000000-0000-4000-8000-000000000000')).set(auth()));
    const cancel = '/v1/bulk_operations/{id}/cancel';
    const cancelOf = (id: string) => `/v1/bulk_operations/${id}/cancel`;
    conforms('post', cancel, await request(app).post(cancelOf(operationId)).set(auth()));
    conforms('post', cancel, await request(app).post(cancelOf('00000000-0000-4000-8000-000000000000')).set(auth()));
    // A cancel that finds its operation still queued: the queue is paused (in Redis) meanwhile.
    const connection = createWorkerConnection(env.redisUrl);
    const queue = createBulkQueue(connection, env.redisPrefix);
    await queue.pause();
    try {
      const queued = await request(app).post(bulk).set(auth()).send({ user_ids: ids.slice(0, 2), preferences: {} });
      const cancelled = await request(app).post(cancelOf(queued.body.id)).set(auth());
      expect(cancelled.body).toMatchObject({ status: 'failed', failure_reason: 'cancelled' });
      conforms('post', cancel, cancelled);
      conforms('get', items, await request(app).get(itemsOf(queued.body.id)).set(auth()));
    } finally {
      await queue.resume();
      await queue.close();
      connection.disconnect();
    }
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET keys = '{}', input = NULL, input_pruned_at = now() WHERE id = $1::uuid`, operationId);
    conforms('get', items, await request(app).get(itemsOf(operationId)).set(auth()));
    expect([...(checked.get(`post ${cancel}`) ?? [])].sort()).toEqual(['200', '404', '422']);
    expect([...(checked.get(`get ${items}`) ?? [])].sort()).toEqual(['200', '404', '410', '422']);

    const user = `/v1/users/${ids[0]}/preferences`;
    conforms('get', '/v1/users/{user_id}/preferences', await request(app).get(user).set(auth()));
    conforms('get', '/v1/users/{user_id}/preferences', await request(app).get('/v1/users/nobody/preferences').set(auth()));
    conforms('get', '/v1/users/{user_id}/preferences/{id}', await request(app).get(`${user}/acme`).set(auth()));
    conforms('get', '/v1/users/{user_id}/preferences/{id}', await request(app).get(`${user}/default`).set(auth()));
    conforms('get', '/v1/users/{user_id}/preferences/{id}', await request(app).get(`/v1/users/${'x'.repeat(256)}/preferences/default`).set(auth()));
    const oneSet = '/v1/users/{user_id}/preferences/{id}';
    for (const body of [
      { categories: { a: { channel_types: { chat: true } } }, commercial_subscribed: false },
      { __persistence_strategy__: 'merge', workflows: { w: { conditions: [condition] } } },
      { channel_types: { pager: true } },
    ]) {
      const res = await request(app).put(`${user}/default`).set(auth()).send(body);
      conforms('put', oneSet, res);
      requestConforms('put', oneSet, body, res);
    }
    const granular: [string, string, unknown][] = [
      ['/v1/users/{user_id}/preferences/{id}/channel_types', `${user}/default/channel_types`, { email: false }],
      ['/v1/users/{user_id}/preferences/{id}/channel_types/{type}', `${user}/default/channel_types/sms`, { subscribed: true }],
      ['/v1/users/{user_id}/preferences/{id}/workflows', `${user}/default/workflows`, { welcome: { channel_types: { email: true } } }],
      ['/v1/users/{user_id}/preferences/{id}/workflows/{key}', `${user}/default/workflows/welcome`, { subscribed: false }],
      ['/v1/users/{user_id}/preferences/{id}/categories', `${user}/default/categories`, { marketing: null }],
      ['/v1/users/{user_id}/preferences/{id}/categories/{key}', `${user}/default/categories/product`, { conditions: [condition] }],
    ];
    for (const [template, path, body] of granular) {
      const res = await request(app).put(path).set(auth()).send(body as object);
      conforms('put', template, res);
      requestConforms('put', template, body, res);
      conforms('put', template, await request(app).put(path).set(auth()).send({ nonsense: [1] }));
    }
    conforms('delete', '/v1/users/{user_id}/preferences/{id}', await request(app).delete(`${user}/default`).set(auth()));
    conforms('delete', '/v1/users/{user_id}/preferences/{id}', await request(app).delete(`${user}/default`));

    const effective = '/v1/users/{user_id}/preferences/{id}/effective';
    conforms('get', effective, await request(app).get(`${user}/acme/effective`).set(auth()));
    conforms('get', effective, await request(app).get(`${user}/acme/effective?tenant=globex`).set(auth()));
    const evaluate = '/v1/preferences/evaluate';
    const decision = { recipients: ids.slice(0, 3), workflow: { key: 'welcome', categories: ['product'] }, channel: { type: 'sms' }, tenant: 'acme' };
    conforms('post', evaluate, await request(app).post(`${evaluate}?trace=true`).set(auth()).send(decision));
    const forObjects = { ...decision, recipients: [ids[0], { id: 'p-1', collection: 'projects', plan: 'pro' }] };
    const objectsDecided = await request(app).post(`${evaluate}?trace=true`).set(auth()).send(forObjects);
    conforms('post', evaluate, objectsDecided);
    requestConforms('post', evaluate, forObjects, objectsDecided);
    conforms('post', evaluate, await request(app).post(evaluate).set(auth()).send({ ...decision, channel: { type: 'fax' } }));

    conforms('get', '/healthz', await request(app).get('/healthz'));
    conforms('get', '/readyz', await waitFor(async () => {
      const res = await request(app).get('/readyz');
      return res.status === 200 ? res : null;
    }));
    conforms('get', '/metrics', await request(app).get('/metrics'));
    conforms('get', '/openapi.json', await request(app).get('/openapi.json'));
    conforms('get', '/admin/queues', await request(app).get('/admin/queues').auth('ops', 'pw'));
    conforms('get', '/admin/queues', await request(app).get('/admin/queues'));
    const environments = '/admin/queues/environments';
    conforms('get', environments, await request(app).get(environments).auth('ops', 'pw').set('Accept', 'application/json'));
    conforms('get', environments, await request(app).get(environments).auth('ops', 'pw').set('Accept', 'text/html'));
    conforms('get', environments, await request(app).get(environments));

    // The environment default set, tenants and users.
    const envPrefs = '/v1/environment/preferences';
    conforms('get', envPrefs, await request(app).get(envPrefs).set(auth()));
    conforms('put', envPrefs, await request(app).put(envPrefs).set(auth()).send({ categories: { a: true }, channel_types: { email: false } }));
    conforms('put', envPrefs, await request(app).put(envPrefs).set(auth()).send({ channel_types: { fax: true } }));
    conforms('get', envPrefs, await request(app).get(envPrefs));
    const tenant = '/v1/tenants/{id}';
    conforms('put', tenant, await request(app).put('/v1/tenants/acme').set(auth()).send({
      name: 'Acme',
      plan: 'pro',
      settings: {
        branding: { primary_color: '#112233', logo_url: 'https://example.com/l.png' },
        preference_set: { categories: { a: { __strategy__: 'replace', channel_types: { sms: false } } }, channel_types: { __strategy__: 'replace', push: true } },
      },
    }));
    conforms('put', tenant, await request(app).put('/v1/tenants/acme').set(auth()).send({ settings: { branding: { primary_color: 'red' } } }));
    conforms('get', tenant, await request(app).get('/v1/tenants/acme').set(auth()));
    conforms('get', tenant, await request(app).get('/v1/tenants/acme?resolve_full_preference_settings=true').set(auth()));
    conforms('get', tenant, await request(app).get('/v1/tenants/nobody').set(auth()));
    conforms('get', tenant, await request(app).get('/v1/tenants/acme?resolve_full_preference_settings=maybe').set(auth()));
    conforms('get', '/v1/tenants', await request(app).get('/v1/tenants?page_size=1').set(auth()));
    conforms('get', '/v1/tenants', await request(app).get('/v1/tenants?after=nonsense').set(auth()));
    conforms('put', tenant, await request(app).put('/v1/tenants/gone').set(auth()).send({}));
    conforms('delete', tenant, await request(app).delete('/v1/tenants/gone').set(auth()));
    conforms('delete', tenant, await request(app).delete('/v1/tenants/gone').set(auth()));
    const userPath = '/v1/users/{id}';
    conforms('put', userPath, await request(app).put('/v1/users/ann').set(auth()).send({ name: 'Ann', email: 'ann@example.com', plan: 'pro' }));
    conforms('put', userPath, await request(app).put('/v1/users/ann').set(auth()).send({ __secret: true }));
    conforms('get', userPath, await request(app).get('/v1/users/ann').set(auth()));
    conforms('get', '/v1/users', await request(app).get('/v1/users?include[]=preferences&page_size=2').set(auth()));
    conforms('get', '/v1/users', await request(app).get('/v1/users?page_size=0').set(auth()));
    conforms('get', userPath, await request(app).get('/v1/users/nobody').set(auth()));
    const mergePath = '/v1/users/{id}/merge';
    await request(app).put('/v1/users/merge-source').set(auth()).send({ name: 'Source' });
    const mergeBody = { from_user_id: 'merge-source' };
    const mergedUser = await request(app).post('/v1/users/ann/merge').set(auth()).send(mergeBody);
    conforms('post', mergePath, mergedUser);
    requestConforms('post', mergePath, mergeBody, mergedUser);
    conforms('post', mergePath, await request(app).post('/v1/users/ann/merge').set(auth()).send({ from_user_id: 'merge-source' }));
    conforms('post', mergePath, await request(app).post('/v1/users/ann/merge').set(auth()).send({ from_user_id: 7 }));
    conforms('delete', userPath, await request(app).delete('/v1/users/ann').set(auth()));
    conforms('delete', userPath, await request(app).delete('/v1/users/ann').set(auth()));
    const channelData = '/v1/users/{user_id}/channel_data/{channel_id}';
    const pushChannel = `/v1/users/${ids[2]}/channel_data/97c5837d-c65c-4d54-aa39-080eeb81c69d`;
    const channelBody = { data: { devices: [{ token: 'tok', locale: 'en', timezone: null }] } };
    const setChannel = await request(app).put(pushChannel).set(auth()).send(channelBody);
    conforms('put', channelData, setChannel);
    requestConforms('put', channelData, channelBody, setChannel);
    conforms('put', channelData, await request(app).put(pushChannel).set(auth()).send({ data: { tokens: [7] } }));
    conforms('get', channelData, await request(app).get(pushChannel).set(auth()));
    conforms('delete', channelData, await request(app).delete(pushChannel).set(auth()));
    conforms('get', channelData, await request(app).get(pushChannel).set(auth()));
    conforms('get', channelData, await request(app).get(`/v1/users/${ids[2]}/channel_data/push`).set(auth()));
    // Objects: set (200, 422), get (200, 404, 422), list (200, 422), delete (204, 422), and their channel data.
    const objectPath = '/v1/objects/{collection}/{id}';
    const objectBody = { name: 'My project', price: 100, timezone: 'America/New_York' };
    const setProject = await request(app).put('/v1/objects/projects/p-1').set(auth()).send(objectBody);
    conforms('put', objectPath, setProject);
    requestConforms('put', objectPath, objectBody, setProject);
    const badObject = { collection: 'other', __typename: 'Object' };
    const refusedObject = await request(app).put('/v1/objects/projects/p-1').set(auth()).send(badObject);
    conforms('put', objectPath, refusedObject);
    requestConforms('put', objectPath, badObject, refusedObject);
    conforms('get', objectPath, await request(app).get('/v1/objects/projects/p-1').set(auth()));
    conforms('get', objectPath, await request(app).get('/v1/objects/projects/nobody').set(auth()));
    conforms('get', objectPath, await request(app).get('/v1/objects/$users/p-1').set(auth()));
    conforms('get', '/v1/objects/{collection}', await request(app).get('/v1/objects/projects?page_size=1').set(auth()));
    conforms('get', '/v1/objects/{collection}', await request(app).get('/v1/objects/projects?include[]=preferences').set(auth()));
    conforms('get', '/v1/objects/{collection}', await request(app).get('/v1/objects/projects?after=forged').set(auth()));
    const objectChannelData = '/v1/objects/{collection}/{object_id}/channel_data/{channel_id}';
    const objectPush = '/v1/objects/projects/p-1/channel_data/97c5837d-c65c-4d54-aa39-080eeb81c69d';
    const objectChannel = await request(app).put(objectPush).set(auth()).send(channelBody);
    conforms('put', objectChannelData, objectChannel);
    requestConforms('put', objectChannelData, channelBody, objectChannel);
    conforms('put', objectChannelData, await request(app).put('/v1/objects/$x/p-1/channel_data/97c5837d-c65c-4d54-aa39-080eeb81c69d').set(auth()).send(channelBody));
    conforms('get', objectChannelData, await request(app).get(objectPush).set(auth()));
    conforms('delete', objectChannelData, await request(app).delete(objectPush).set(auth()));
    conforms('get', objectChannelData, await request(app).get(objectPush).set(auth()));
    conforms('delete', objectChannelData, await request(app).delete('/v1/objects/projects/p-1/channel_data/push').set(auth()));
    // Objects' preference sets: the users' operations under the object's path.
    const objectSets = '/v1/objects/{collection}/{object_id}/preferences';
    const objectSet = `${objectSets}/{id}`;
    const projectSets = '/v1/objects/projects/p-1/preferences';
    for (const body of [{ __persistence_strategy__: 'merge', categories: { marketing: false }, channel_types: { email: true } }, { channel_types: { pager: true } }]) {
      const res = await request(app).put(`${projectSets}/default`).set(auth()).send(body);
      conforms('put', objectSet, res);
      requestConforms('put', objectSet, body, res);
    }
    conforms('put', objectSet, await request(app).put('/v1/objects/$x/p-1/preferences/default').set(auth()).send({}));
    conforms('get', objectSets, await request(app).get(projectSets).set(auth()));
    conforms('get', objectSets, await request(app).get('/v1/objects/$x/p-1/preferences').set(auth()));
    conforms('get', objectSet, await request(app).get(`${projectSets}/default`).set(auth()));
    conforms('get', objectSet, await request(app).get(`${projectSets}/acme?tenant=acme`).set(auth()));
    conforms('get', objectSet, await request(app).get(`${projectSets}/${'x'.repeat(256)}`).set(auth()));
    const objectGranular: [string, string, unknown][] = [
      [`${objectSet}/channel_types`, `${projectSets}/default/channel_types`, { email: false }],
      [`${objectSet}/channel_types/{type}`, `${projectSets}/default/channel_types/sms`, { subscribed: true }],
      [`${objectSet}/workflows`, `${projectSets}/default/workflows`, { welcome: { channel_types: { email: true } } }],
      [`${objectSet}/workflows/{key}`, `${projectSets}/default/workflows/welcome`, { subscribed: false }],
      [`${objectSet}/categories`, `${projectSets}/default/categories`, { marketing: null }],
      [`${objectSet}/categories/{key}`, `${projectSets}/default/categories/product`, { conditions: [condition] }],
    ];
    for (const [template, path, body] of objectGranular) {
      const res = await request(app).put(path).set(auth()).send(body as object);
      conforms('put', template, res);
      requestConforms('put', template, body, res);
      conforms('put', template, await request(app).put(path).set(auth()).send({ nonsense: [1] }));
    }
    conforms('delete', objectSet, await request(app).delete(`${projectSets}/default`).set(auth()));
    conforms('delete', objectSet, await request(app).delete('/v1/objects/$x/p-1/preferences/default').set(auth()));
    conforms('delete', objectPath, await request(app).delete('/v1/objects/projects/p-1').set(auth()));
    conforms('delete', objectPath, await request(app).delete('/v1/objects/projects/p-1').set(auth()));
    conforms('delete', objectPath, await request(app).delete(`/v1/objects/projects/${'x'.repeat(256)}`).set(auth()));
    const audience = '/v1/audiences/{key}/members';
    const membersBody = { members: [{ user: { id: 'aud-1', name: 'Ann' }, tenant: 'acme' }, { user: { id: 'aud-2' } }] };
    const added = await request(app).post('/v1/audiences/openapi/members?create_audience=true').set(auth()).send(membersBody);
    conforms('post', audience, added);
    requestConforms('post', audience, membersBody, added);
    conforms('post', audience, await request(app).post('/v1/audiences/nowhere/members').set(auth()).send(membersBody));
    conforms('post', audience, await request(app).post('/v1/audiences/openapi/members').set(auth()).send({ members: [] }));
    conforms('get', audience, await request(app).get('/v1/audiences/openapi/members?page_size=1').set(auth()));
    conforms('get', audience, await request(app).get('/v1/audiences/nowhere/members').set(auth()));
    conforms('get', audience, await request(app).get('/v1/audiences/openapi/members?after=forged').set(auth()));
    const removal = { members: [{ user: { id: 'aud-2' } }] };
    const removed = await request(app).delete('/v1/audiences/openapi/members').set(auth()).send(removal);
    conforms('delete', audience, removed);
    requestConforms('delete', audience, removal, removed);
    conforms('delete', audience, await request(app).delete('/v1/audiences/nowhere/members').set(auth()).send(removal));
    // Subscriptions, to an object set first.
    expect((await request(app).put('/v1/objects/projects/openapi').set(auth()).send({ name: 'OpenAPI' })).status).toBe(200);
    const subscriptions = '/v1/objects/{collection}/{object_id}/subscriptions';
    const subscribeBody = { recipients: ['sub-1', { id: 'sub-2', name: 'Sue' }, { id: 'team-1', collection: 'teams' }], properties: { role: 'watcher' } };
    const subscribed = await request(app).post('/v1/objects/projects/openapi/subscriptions').set(auth()).send(subscribeBody);
    conforms('post', subscriptions, subscribed);
    requestConforms('post', subscriptions, subscribeBody, subscribed);
    const badSubscribe = { recipients: [{ id: 'x', collection: '$users' }] };
    const refusedSubscribe = await request(app).post('/v1/objects/projects/openapi/subscriptions').set(auth()).send(badSubscribe);
    conforms('post', subscriptions, refusedSubscribe);
    requestConforms('post', subscriptions, badSubscribe, refusedSubscribe);
    conforms('post', subscriptions, await request(app).post('/v1/objects/projects/nowhere/subscriptions').set(auth()).send(subscribeBody));
    conforms('get', subscriptions, await request(app).get('/v1/objects/projects/openapi/subscriptions?page_size=1').set(auth()));
    conforms('get', subscriptions, await request(app).get('/v1/objects/teams/team-1/subscriptions?mode=recipient').set(auth()));
    conforms('get', subscriptions, await request(app).get('/v1/objects/projects/openapi/subscriptions?after=forged').set(auth()));
    const userSubscriptions = '/v1/users/{user_id}/subscriptions';
    conforms('get', userSubscriptions, await request(app).get('/v1/users/sub-2/subscriptions').set(auth()));
    conforms('get', userSubscriptions, await request(app).get('/v1/users/sub-2/subscriptions?objects[0][id]=openapi&objects[0][collection]=projects').set(auth()));
    conforms('get', userSubscriptions, await request(app).get('/v1/users/sub-2/subscriptions?page_size=0').set(auth()));
    const unsubscribeBody = { recipients: ['sub-1', { id: 'team-1', collection: 'teams' }] };
    const unsubscribed = await request(app).delete('/v1/objects/projects/openapi/subscriptions').set(auth()).send(unsubscribeBody);
    conforms('delete', subscriptions, unsubscribed);
    requestConforms('delete', subscriptions, unsubscribeBody, unsubscribed);
    conforms('delete', subscriptions, await request(app).delete('/v1/objects/projects/openapi/subscriptions').set(auth()).send({ recipients: [] }));
    const bulkSubscribe = '/v1/objects/{collection}/bulk/subscriptions/add';
    const bulkSubscribeBody = { subscriptions: [{ id: 'openapi', recipients: ['bulk-sub-1', { id: 'bulk-sub-2', name: 'Sue' }], properties: { via: 'bulk' } }, { id: 'missing', recipients: ['bulk-sub-1'] }] };
    const bulkSubscribed = await request(app).post('/v1/objects/projects/bulk/subscriptions/add').set(auth()).send(bulkSubscribeBody);
    conforms('post', bulkSubscribe, bulkSubscribed);
    requestConforms('post', bulkSubscribe, bulkSubscribeBody, bulkSubscribed);
    const badBulkSubscribe = { subscriptions: [{ id: 'openapi', recipients: [] }] };
    const refusedBulkSubscribe = await request(app).post('/v1/objects/projects/bulk/subscriptions/add').set(auth()).send(badBulkSubscribe);
    conforms('post', bulkSubscribe, refusedBulkSubscribe);
    requestConforms('post', bulkSubscribe, badBulkSubscribe, refusedBulkSubscribe);
    const bulkUnsubscribe = '/v1/objects/{collection}/bulk/subscriptions/delete';
    const bulkUnsubscribeBody = { subscriptions: [{ id: 'openapi', recipients: ['bulk-sub-1'] }] };
    const bulkUnsubscribed = await request(app).post('/v1/objects/projects/bulk/subscriptions/delete').set(auth()).send(bulkUnsubscribeBody);
    conforms('post', bulkUnsubscribe, bulkUnsubscribed);
    requestConforms('post', bulkUnsubscribe, bulkUnsubscribeBody, bulkUnsubscribed);
    conforms('post', bulkUnsubscribe, await request(app).post('/v1/objects/projects/bulk/subscriptions/delete').set(auth()).send({ subscriptions: 'all' }));
    for (const accepted of [bulkSubscribed, bulkUnsubscribed]) {
      const done = await waitFor(async () => {
        const res = await request(app).get(`/v1/bulk_operations/${accepted.body.id}`).set(auth());
        return res.body.status === 'completed' ? res : null;
      });
      conforms('get', '/v1/bulk_operations/{id}', done);
    }
    // Bulk tenants set and bulk users identify: 200 (then completed), 422 naming fields, 401.
    const bulkTenants = '/v1/tenants/bulk/set';
    const tenantsOperation = await request(app).post(bulkTenants).set(auth()).send({ tenants: ['plain', { id: 'bulk-acme', name: 'Acme', settings: { branding: { primary_color: '#112233' } }, tier: 'gold' }] });
    conforms('post', bulkTenants, tenantsOperation);
    conforms('post', bulkTenants, await request(app).post(bulkTenants).set(auth()).send({ tenants: [{ name: 'no id' }] }));
    conforms('post', bulkTenants, await request(app).post(bulkTenants).send({ tenants: ['x'] }));
    const bulkUsers = '/v1/users/bulk/identify';
    const usersOperation = await request(app).post(bulkUsers).set(auth()).send({ users: [{ id: 'bulk-ann', name: 'Ann', plan: 'pro' }] });
    conforms('post', bulkUsers, usersOperation);
    conforms('post', bulkUsers, await request(app).post(bulkUsers).set(auth()).send({ users: [{ id: 'bulk-bob', email: 7 }] }));
    const bulkDelete = '/v1/users/bulk/delete';
    const deleteBody = { user_ids: ['bulk-gone-1', 'bulk-gone-2'] };
    const deleteOperation = await request(app).post(bulkDelete).set(auth()).send(deleteBody);
    conforms('post', bulkDelete, deleteOperation);
    requestConforms('post', bulkDelete, deleteBody, deleteOperation);
    conforms('post', bulkDelete, await request(app).post(bulkDelete).set(auth()).send({ user_ids: [] }));
    const tenantsDelete = '/v1/tenants/bulk/delete';
    const tenantsDeleteOperation = await request(app).post(`${tenantsDelete}?tenant_ids[]=plain&tenant_ids[]=never-there`).set(auth());
    conforms('post', tenantsDelete, tenantsDeleteOperation);
    const tenantsDeleteBody = { tenant_ids: ['bulk-acme'] };
    const tenantsDeleteByBody = await request(app).post(tenantsDelete).set(auth()).send(tenantsDeleteBody);
    conforms('post', tenantsDelete, tenantsDeleteByBody);
    requestConforms('post', tenantsDelete, tenantsDeleteBody, tenantsDeleteByBody);
    conforms('post', tenantsDelete, await request(app).post(tenantsDelete).set(auth()));
    const bulkObjects = '/v1/objects/{collection}/bulk/set';
    const objectsBody = { objects: [{ id: 'bulk-p1', name: 'One', price: 1 }, { id: 'bulk-p2' }] };
    const objectsOperation = await request(app).post('/v1/objects/projects/bulk/set').set(auth()).send(objectsBody);
    conforms('post', bulkObjects, objectsOperation);
    requestConforms('post', bulkObjects, objectsBody, objectsOperation);
    const badObjects = { objects: [{ id: 'bulk-p3', collection: 'other' }] };
    const refusedObjects = await request(app).post('/v1/objects/projects/bulk/set').set(auth()).send(badObjects);
    conforms('post', bulkObjects, refusedObjects);
    requestConforms('post', bulkObjects, badObjects, refusedObjects);
    const bulkDeleteObjects = '/v1/objects/{collection}/bulk/delete';
    const deleteObjectsBody = { object_ids: ['bulk-p2', 'never-set'] };
    const deleteObjectsOperation = await request(app).post('/v1/objects/projects/bulk/delete').set(auth()).send(deleteObjectsBody);
    conforms('post', bulkDeleteObjects, deleteObjectsOperation);
    requestConforms('post', bulkDeleteObjects, deleteObjectsBody, deleteObjectsOperation);
    conforms('post', bulkDeleteObjects, await request(app).post('/v1/objects/$users/bulk/delete').set(auth()).send(deleteObjectsBody));
    for (const accepted of [tenantsOperation, usersOperation, deleteOperation, tenantsDeleteOperation, tenantsDeleteByBody, objectsOperation, deleteObjectsOperation]) {
      const done = await waitFor(async () => {
        const res = await request(app).get(`/v1/bulk_operations/${accepted.body.id}`).set(auth());
        return res.body.status === 'completed' ? res : null;
      }, 30_000);
      conforms('get', '/v1/bulk_operations/{id}', done);
    }

    // The preference center: layout, links, unsubscribes, and the end users' pages (HTML and text).
    const center = '/v1/preference_center';
    conforms('put', center, await request(app).put(center).set(auth()).send({ title: 'Prefs', rows: [{ key: 'categories.a', label: 'A', channel_types: ['email'] }] }));
    conforms('put', center, await request(app).put(center).set(auth()).send({ title: '', rows: [{ key: 'nope', label: 'x' }] }));
    conforms('get', center, await request(app).get(center).set(auth()));
    const linksPath = '/v1/users/{user_id}/links';
    const links = await request(app).post(`/v1/users/${ids[1]}/links`).set(auth()).send({ scope: 'categories.a', tenant: 'acme' });
    conforms('post', linksPath, links);
    conforms('post', linksPath, await request(app).post(`/v1/users/${ids[1]}/links`).set(auth()).send({ scope: 'channel_types.email' }));
    const manage = new URL(links.body.manage_preferences_url);
    const unsubscribe = new URL(links.body.commercial_unsubscribe_url);
    const linkToken = manage.searchParams.get('t') as string;
    conforms('get', '/preferences', await request(app).get(`${manage.pathname}${manage.search}`));
    conforms('get', '/preferences', await request(app).get('/preferences?t=tampered'));
    conforms('post', '/preferences', await request(app).post('/preferences').type('form').send({ t: linkToken, 'was:["categories","a","channel_types","email"]': '1' }));
    conforms('post', '/preferences', await request(app).post('/preferences').type('form').set('Accept', 'application/json').send({ t: linkToken }));
    conforms('post', '/preferences', await request(app).post('/preferences').type('form').send({ t: linkToken, 'was:["categories","zzz"]': '1' }));
    conforms('get', '/unsubscribe', await request(app).get(`${unsubscribe.pathname}${unsubscribe.search}`));
    conforms('post', '/unsubscribe', await request(app).post(`${unsubscribe.pathname}${unsubscribe.search}`).type('form').send('List-Unsubscribe=One-Click'));
    conforms('post', '/unsubscribe', await request(app).post(`${unsubscribe.pathname}${unsubscribe.search}`).type('form').send('List-Unsubscribe=Maybe'));
    const signedUrl = '/v1/users/{user_id}/preference_center/signed_url';
    conforms('post', signedUrl, await request(app).post(`/v1/users/${ids[1]}/preference_center/signed_url`).set(auth()));
    conforms('post', signedUrl, await request(app).post(`/v1/users/${'x'.repeat(256)}/preference_center/signed_url`).set(auth()));
    const centerConfig = '/v1/users/{user_id}/preference_center/config';
    conforms('get', centerConfig, await request(app).get(`/v1/users/${ids[1]}/preference_center/config?tenant=acme`).set(auth()));
    conforms('get', centerConfig, await request(app).get(`/v1/users/${ids[1]}/preference_center/config?tenant=a&tenant=b`).set(auth()));
    const unsubscribes = '/v1/users/{user_id}/unsubscribes';
    conforms('get', unsubscribes, await request(app).get(`/v1/users/${ids[1]}/unsubscribes`).set(auth()));
    conforms('get', unsubscribes, await request(app).get(`/v1/users/${ids[1]}/unsubscribes?page_size=500`).set(auth()));

    // Webhooks: register (200 with the secret, 422), list, get, change, rotate, the deliveries of a bulk
    // operation's event and a retry of one, delete (204, then 404).
    const hooks = '/v1/webhooks';
    const hookBody = { url: 'http://127.0.0.1:9/hooks', events: ['bulk_operation.completed'], description: 'openapi' };
    const hook = await request(app).post(hooks).set(auth()).send(hookBody);
    conforms('post', hooks, hook);
    requestConforms('post', hooks, hookBody, hook);
    const badHook = { url: 'ftp://127.0.0.1/x', events: [] };
    const refusedHook = await request(app).post(hooks).set(auth()).send(badHook);
    conforms('post', hooks, refusedHook);
    requestConforms('post', hooks, badHook, refusedHook);
    conforms('get', hooks, await request(app).get(hooks).set(auth()));
    conforms('get', hooks, await request(app).get(`${hooks}?page_size=0`).set(auth()));
    const hookPath = '/v1/webhooks/{id}';
    conforms('get', hookPath, await request(app).get(`${hooks}/${hook.body.id}`).set(auth()));
    conforms('get', hookPath, await request(app).get(`${hooks}/nope`).set(auth()));
    const hookPatch = { description: null, events: ['bulk_operation.completed', 'bulk_operation.failed'] };
    const patchedHook = await request(app).patch(`${hooks}/${hook.body.id}`).set(auth()).send(hookPatch);
    conforms('patch', hookPath, patchedHook);
    requestConforms('patch', hookPath, hookPatch, patchedHook);
    const badPatch = { enabled: 'yes' };
    const refusedPatch = await request(app).patch(`${hooks}/${hook.body.id}`).set(auth()).send(badPatch);
    conforms('patch', hookPath, refusedPatch);
    requestConforms('patch', hookPath, badPatch, refusedPatch);
    conforms('post', '/v1/webhooks/{id}/rotate_secret', await request(app).post(`${hooks}/${hook.body.id}/rotate_secret`).set(auth()));
    conforms('post', '/v1/webhooks/{id}/rotate_secret', await request(app).post(`${hooks}/nope/rotate_secret`).set(auth()));
    const hooked = await request(app).post(bulkDelete).set(auth()).send({ user_ids: ['hooked'] });
    await waitFor(async () => (await request(app).get(`/v1/bulk_operations/${hooked.body.id}`).set(auth())).body.status === 'completed', 30_000);
    const deliveriesPath = '/v1/webhooks/{id}/deliveries';
    const deliveries = await request(app).get(`${hooks}/${hook.body.id}/deliveries`).set(auth());
    conforms('get', deliveriesPath, deliveries);
    expect(deliveries.body.entries).toHaveLength(1);
    conforms('get', deliveriesPath, await request(app).get(`${hooks}/${hook.body.id}/deliveries?status=lost`).set(auth()));
    conforms('get', deliveriesPath, await request(app).get(`${hooks}/nope/deliveries`).set(auth()));
    const retryPath = '/v1/webhooks/{id}/deliveries/{delivery_id}/retry';
    conforms('post', retryPath, await request(app).post(`${hooks}/${hook.body.id}/deliveries/${deliveries.body.entries[0].id}/retry`).set(auth()));
    conforms('post', retryPath, await request(app).post(`${hooks}/${hook.body.id}/deliveries/nope/retry`).set(auth()));
    conforms('delete', hookPath, await request(app).delete(`${hooks}/${hook.body.id}`).set(auth()));
    conforms('delete', hookPath, await request(app).delete(`${hooks}/${hook.body.id}`).set(auth()));

    // Every documented operation was exercised.
    const documented = Object.entries(document.paths).flatMap(([template, item]) => Object.keys(item).map((method) => `${method} ${template}`));
    expect([...checked.keys()].sort()).toEqual(documented.sort());
  });

  it('describes what a public key meets: 401 without a user token, 403 outside its rights', async () => {
    const app = api.app;
    const publicKey = (await createApiKey(env.db, 'test', 'public')).key;
    const signingKey = (await createSigningKey(env.db, 'test'))!.privateKeyBase64;
    const browser = async (userId: string) => ({ Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': await signUserToken(userId, { signingKey }) });
    conforms('get', '/v1/users/{user_id}/preferences', await request(app).get('/v1/users/ann/preferences').set({ Authorization: `Bearer ${publicKey}` }));
    conforms('get', '/v1/users/{user_id}/preferences', await request(app).get('/v1/users/ann/preferences').set(await browser('ann')));
    conforms('get', '/v1/users/{user_id}/preferences', await request(app).get('/v1/users/bob/preferences').set(await browser('ann')));
    conforms('put', '/v1/users/{user_id}/preferences/{id}', await request(app).put('/v1/users/bob/preferences/default').set(await browser('ann')).send({}));
    conforms('get', '/v1/users/{user_id}/preferences/{id}', await request(app).get('/v1/users/bob/preferences/default').set(await browser('ann')));
    for (const operation of ['get /v1/users/{user_id}/preferences', 'put /v1/users/{user_id}/preferences/{id}']) expect(checked.get(operation)).toContain('403');
    expect(checked.get('get /v1/users/{user_id}/preferences')).toContain('401');
  });

  it('describes the 503 of /readyz', async () => {
    const down = await startApi(env.apiConfig({ redisUrl: 'redis://127.0.0.1:1' }));
    try {
      conforms('get', '/readyz', await request(down.app).get('/readyz'));
      expect(checked.get('get /readyz')).toContain('503');
    } finally {
      await down.close();
    }
  });
});
