import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Knock from '@knocklabs/node';
import { generateSecretKey } from '@prefs/db';
import { createTestEnvironment, freePort, userIds, waitFor, type TestEnvironment } from '@prefs/testing';

/**
 * The official Knock Node SDK, unchanged, against the built API and worker running as real processes
 * (`node apps/api/dist/main.js`, `node apps/worker/dist/main.js`), started with a bootstrap key.
 */
const root = path.join(__dirname, '..', '..');
let env: TestEnvironment;
let api: ChildProcess;
let worker: ChildProcess;
let baseURL: string;
const bootstrapKey = generateSecretKey();

function spawnProcess(script: string, extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [path.join(root, script)], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${path.basename(path.dirname(path.dirname(script)))}] ${chunk}`));
  return child;
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}


/** Starts the API on a free port; another process may take the port between the probe and the listen, so retry. */
async function startApiProcess(): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    api = spawnProcess('apps/api/dist/main.js', { PORT: String(port), HOST: '127.0.0.1', PREFS_BOOTSTRAP_KEY: bootstrapKey, RATE_LIMITS: 'off' });
    baseURL = `http://127.0.0.1:${port}`;
    const up = await waitFor(async () => {
      if (api.exitCode !== null) return 'exited';
      try {
        return (await fetch(`${baseURL}/healthz`)).ok ? 'up' : null;
      } catch {
        return null;
      }
    }, 30_000, 100);
    if (up === 'up') return;
    if (attempt >= 5) throw new Error('the API process did not start');
  }
}

beforeAll(async () => {
  env = await createTestEnvironment();
  await startApiProcess();
  worker = spawnProcess('apps/worker/dist/main.js', { WORKER_PORT: '0', BATCH_SIZE: '250' });
});

afterAll(async () => {
  for (const child of [api, worker]) if (child && child.exitCode === null) child.kill('SIGKILL');
  await env?.cleanup();
});

it('sets 1,000 users through users.bulk.setPreferences, polls bulkOperations.get and reads every user back', async () => {
  const knock = new Knock({ apiKey: bootstrapKey, baseURL });
  const ids = userIds(1000, 'sdk');
  const operation = await knock.users.bulk.setPreferences({
    user_ids: ids,
    preferences: {
      categories: { marketing: false, transactional: { channel_types: { email: true, sms: false } } },
      workflows: { 'weekly-digest': { conditions: [{ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' }] } },
      channel_types: { push: true },
    },
  });
  expect(operation).toMatchObject({ name: 'users.set_preferences', status: 'queued', estimated_total_rows: 1000 });

  const done = await waitFor(async () => {
    const current = await knock.bulkOperations.get(operation.id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
  expect(done).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000, error_count: 0 });

  for (const id of ids) {
    const set = await knock.users.getPreferences(id, 'default');
    expect(set).toEqual({
      __typename: 'PreferenceSet',
      id: 'default',
      categories: { marketing: false, transactional: { channel_types: { email: true, sms: false } } },
      workflows: { 'weekly-digest': { conditions: [{ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' }] } },
      channel_types: { push: true },
      channels: null,
      commercial_subscribed: null,
    });
  }

  // The SDK's per-user calls work too: merge one set, list it, unset it.
  await knock.users.setPreferences(ids[0], 'default', { __persistence_strategy__: 'merge', categories: { marketing: true } });
  const sets = await knock.users.listPreferences(ids[0]);
  expect(sets).toHaveLength(1);
  expect(sets[0].categories).toEqual({ marketing: true, transactional: { channel_types: { email: true, sms: false } } });
  await knock.users.unsetPreferences(ids[0], 'default');
  expect(await knock.users.listPreferences(ids[0])).toEqual([]);
});

it("drives knock.objects unchanged: set, get, list (auto-paginated), channel data, delete, bulk set and bulk delete", async () => {
  const knock = new Knock({ apiKey: bootstrapKey, baseURL, maxRetries: 0 });
  const push = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
  const set = await knock.objects.set('projects', 'project-1', { name: 'My project', locale: 'en-US', price: 100 });
  expect(set).toEqual({
    __typename: 'Object',
    id: 'project-1',
    collection: 'projects',
    properties: { name: 'My project', locale: 'en-US', price: 100 },
    created_at: expect.any(String),
    updated_at: expect.any(String),
  });
  expect(await knock.objects.get('projects', 'project-1')).toEqual(set);
  for (let index = 2; index <= 60; index += 1) await knock.objects.set('projects', `project-${index}`, { n: index });
  const listed: string[] = [];
  for await (const object of knock.objects.list('projects', { page_size: 25 })) listed.push(object.id);
  expect(listed).toHaveLength(60);
  expect(listed[0]).toBe('project-60');
  expect(new Set(listed).size).toBe(60);

  expect(await knock.objects.setChannelData('projects', 'project-1', push, { data: { tokens: ['object-token'] } })).toMatchObject({
    __typename: 'ChannelData',
    channel_id: push,
    data: { tokens: ['object-token'] },
  });
  expect((await knock.objects.getChannelData('projects', 'project-1', push)).data).toMatchObject({ tokens: ['object-token'] });
  await knock.objects.unsetChannelData('projects', 'project-1', push);
  await expect(knock.objects.getChannelData('projects', 'project-1', push)).rejects.toMatchObject({ status: 404 });

  await knock.objects.delete('projects', 'project-1');
  await expect(knock.objects.get('projects', 'project-1')).rejects.toMatchObject({ status: 404 });

  // The bulk kinds: objects.set and objects.delete on the one operation machinery.
  const until = (id: string) => waitFor(async () => {
    const current = await knock.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
  const bulkSet = await knock.objects.bulk.set('devices', { objects: [{ id: 'd1', name: 'One' }, { id: 'd2', locale: 'fr' }] });
  expect(await until(bulkSet.id)).toMatchObject({ name: 'objects.set', status: 'completed', success_count: 2 });
  expect((await knock.objects.get('devices', 'd2')).properties).toEqual({ locale: 'fr' });
  const bulkDelete = await knock.objects.bulk.delete('devices', { object_ids: ['d1', 'd2', 'd3'] });
  expect(await until(bulkDelete.id)).toMatchObject({ name: 'objects.delete', status: 'completed', success_count: 3 });
  await expect(knock.objects.get('devices', 'd1')).rejects.toMatchObject({ status: 404 });
  // Deleting what does not exist succeeds; a reserved collection is the SDK's 422.
  await knock.objects.delete('projects', 'project-1');
  await expect(knock.objects.set('$users', 'x', {})).rejects.toMatchObject({ status: 422 });
});

it("drives an object's preference sets unchanged: setPreferences (creating the object), getPreferences, listPreferences, unsetPreferences", async () => {
  const knock = new Knock({ apiKey: bootstrapKey, baseURL, maxRetries: 0 });
  const set = await knock.objects.setPreferences('channels', 'general', 'default', {
    categories: { marketing: false, transactional: { channel_types: { email: false } } },
    channel_types: { email: true },
    workflows: { 'dinosaurs-loose': { channel_types: { email: false } } },
  });
  expect(set).toEqual({
    __typename: 'PreferenceSet',
    id: 'default',
    categories: { marketing: false, transactional: { channel_types: { email: false } } },
    workflows: { 'dinosaurs-loose': { channel_types: { email: false } } },
    channel_types: { email: true },
    channels: null,
    commercial_subscribed: null,
  });
  // As Knock's document says, the set created the object.
  expect(await knock.objects.get('channels', 'general')).toMatchObject({ id: 'general', collection: 'channels' });
  await knock.objects.setPreferences('channels', 'general', 'default', { __persistence_strategy__: 'merge', categories: { marketing: true } });
  expect((await knock.objects.getPreferences('channels', 'general', 'default')).categories).toEqual({ marketing: true, transactional: { channel_types: { email: false } } });
  expect((await knock.objects.listPreferences('channels', 'general')).map((stored) => stored.id)).toEqual(['default']);
  await knock.objects.unsetPreferences('channels', 'general', 'default');
  expect(await knock.objects.listPreferences('channels', 'general')).toEqual([]);
  // A set not stored reads as the defaults that apply: here none, every field null.
  expect(await knock.objects.getPreferences('channels', 'general', 'default')).toMatchObject({ id: 'default', categories: null, channel_types: null });
  await expect(knock.objects.setPreferences('$users', 'general', 'default', {})).rejects.toMatchObject({ status: 422 });
});

it('subscribes recipients to an object, lists them both ways and unsubscribes them (objects.*Subscriptions, users.listSubscriptions)', async () => {
  const knock = new Knock({ apiKey: bootstrapKey, baseURL, maxRetries: 0 });
  await knock.objects.set('projects', 'sdk-1', { name: 'Subscribed to' });
  const added = await knock.objects.addSubscriptions('projects', 'sdk-1', { recipients: ['sdk-ann', { id: 'sdk-bob', name: 'Bob' }, { id: 'sdk-team', collection: 'teams' }], properties: { role: 'watcher' } });
  expect(added.map((subscription) => [subscription.recipient.id, subscription.properties])).toEqual(
    expect.arrayContaining([['sdk-ann', { role: 'watcher' }], ['sdk-bob', { role: 'watcher' }], ['sdk-team', { role: 'watcher' }]]),
  );
  const subscribers: string[] = [];
  for await (const subscription of knock.objects.listSubscriptions('projects', 'sdk-1', { page_size: 2 })) subscribers.push(subscription.recipient.id);
  expect(subscribers.sort()).toEqual(['sdk-ann', 'sdk-bob', 'sdk-team']);
  const filtered = await knock.objects.listSubscriptions('projects', 'sdk-1', { recipients: ['sdk-bob', { id: 'sdk-team', collection: 'teams' }] });
  expect(filtered.entries.map((subscription) => subscription.recipient.id).sort()).toEqual(['sdk-bob', 'sdk-team']);
  expect((await knock.objects.listSubscriptions('teams', 'sdk-team', { mode: 'recipient' })).entries.map((subscription) => subscription.object.id)).toEqual(['sdk-1']);
  expect((await knock.users.listSubscriptions('sdk-bob', { objects: [{ id: 'sdk-1', collection: 'projects' }] })).entries).toMatchObject([{ object: { id: 'sdk-1' }, recipient: { id: 'sdk-bob', name: 'Bob' } }]);
  const removed = await knock.objects.deleteSubscriptions('projects', 'sdk-1', { recipients: ['sdk-ann', { id: 'sdk-team', collection: 'teams' }] });
  expect(removed.map((subscription) => subscription.recipient.id).sort()).toEqual(['sdk-ann', 'sdk-team']);
  expect((await knock.users.listSubscriptions('sdk-ann')).entries).toEqual([]);
  await expect(knock.objects.addSubscriptions('projects', 'sdk-missing', { recipients: ['sdk-ann'] })).rejects.toMatchObject({ status: 404 });

  // In bulk: each entry an object of the collection with its recipients, carried out by the worker.
  await knock.objects.set('projects', 'sdk-2', {});
  const ended = (id: string) => waitFor(async () => {
    const current = await knock.bulkOperations.get(id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 30_000, 100);
  const bulkAdded = await knock.objects.bulk.addSubscriptions('projects', { subscriptions: [{ id: 'sdk-1', recipients: [{ id: 'sdk-cy' }] }, { id: 'sdk-2', recipients: ['sdk-cy'], properties: { via: 'bulk' } }, { id: 'sdk-nowhere', recipients: ['sdk-cy'] }] });
  expect(await ended(bulkAdded.id)).toMatchObject({ name: 'objects.add_subscriptions', status: 'completed', success_count: 2, error_items: [{ id: 'sdk-nowhere', collection: 'projects' }] });
  expect((await knock.users.listSubscriptions('sdk-cy')).entries.map((subscription) => subscription.object.id).sort()).toEqual(['sdk-1', 'sdk-2']);
  const bulkDeleted = await knock.objects.bulk.deleteSubscriptions('projects', { subscriptions: [{ id: 'sdk-1', recipients: ['sdk-cy'] }] });
  expect(await ended(bulkDeleted.id)).toMatchObject({ name: 'objects.delete_subscriptions', status: 'completed', success_count: 1 });
  expect((await knock.users.listSubscriptions('sdk-cy')).entries).toMatchObject([{ object: { id: 'sdk-2' }, properties: { via: 'bulk' } }]);
});

it('rejects a wrong key with the SDK\'s authentication error', async () => {
  const knock = new Knock({ apiKey: generateSecretKey(), baseURL, maxRetries: 0 });
  await expect(knock.bulkOperations.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 401 });
});

it('tenants.bulk.delete removes tenants with every user\'s set for them; the user and its other sets stay', async () => {
  const knock = new Knock({ apiKey: bootstrapKey, baseURL, maxRetries: 0 });
  await knock.tenants.bulk.set({ tenants: ['sdk-gone-1', 'sdk-gone-2', 'sdk-kept'] });
  await knock.users.setPreferences('sdk-tenant-user', 'sdk-gone-1', { categories: { news: true } });
  await knock.users.setPreferences('sdk-tenant-user', 'sdk-kept', { categories: { news: true } });
  const operation = await knock.tenants.bulk.delete({ tenant_ids: ['sdk-gone-1', 'sdk-gone-2', 'sdk-never-there'] });
  expect(operation).toMatchObject({ name: 'tenants.delete', status: 'queued', estimated_total_rows: 3 });
  const done = await waitFor(async () => {
    const current = await knock.bulkOperations.get(operation.id);
    return current.status === 'completed' || current.status === 'failed' ? current : null;
  }, 60_000, 100);
  expect(done).toMatchObject({ status: 'completed', success_count: 3, error_count: 0 });
  await expect(knock.tenants.get('sdk-gone-1')).rejects.toMatchObject({ status: 404 });
  expect((await knock.tenants.get('sdk-kept')).id).toBe('sdk-kept');
  expect((await knock.users.listPreferences('sdk-tenant-user')).map((set) => set.id)).toEqual(['sdk-kept']);
});

it('users.update and tenants.set write inline preferences and channel data, merged into what is stored', async () => {
  const knock = new Knock({ apiKey: bootstrapKey, baseURL, maxRetries: 0 });
  const push = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
  await knock.users.setPreferences('sdk-inline', 'default', { categories: { news: true, promo: true } });
  const user = await knock.users.update('sdk-inline', {
    name: 'Inline',
    preferences: { default: { categories: { promo: false }, channel_types: { sms: false } }, 'sdk-acme': { workflows: { welcome: false } } },
    channel_data: { [push]: { tokens: ['sdk-token'] } },
  });
  expect(user).toMatchObject({ id: 'sdk-inline', name: 'Inline' });
  expect(await knock.users.getPreferences('sdk-inline', 'default')).toMatchObject({ categories: { news: true, promo: false }, channel_types: { sms: false } });
  expect((await knock.users.getPreferences('sdk-inline', 'sdk-acme')).workflows).toEqual({ welcome: false });
  expect((await knock.users.getChannelData('sdk-inline', push)).data).toMatchObject({ tokens: ['sdk-token'] });

  await knock.tenants.set('sdk-acme', { name: 'Acme', settings: { preference_set: { categories: { news: true } } } });
  const tenant = await knock.tenants.set('sdk-acme', { preferences: { default: { categories: { digest: false } } }, channel_data: { [push]: { tokens: ['tenant-token'] } } });
  expect(tenant.settings?.preference_set?.categories).toEqual({ news: true, digest: false });
});

it('both processes exit 0 on SIGTERM', async () => {
  api.kill('SIGTERM');
  worker.kill('SIGTERM');
  expect(await exitCode(api)).toBe(0);
  expect(await exitCode(worker)).toBe(0);
});
