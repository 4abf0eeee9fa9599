import {
  applyPreferences,
  mergeProperties,
  USERS_COLLECTION,
  validateBulkAddSubscriptions,
  validateBulkDeleteObjects,
  validateBulkDeleteSubscriptions,
  validateBulkDeleteTenants,
  validateBulkDeleteUsers,
  validateBulkIdentifyUsers,
  validateBulkSetObjects,
  validateBulkSetTenants,
  type JsonValue,
  type Validated,
} from '@prefs/core';
import {
  addSubscriptionsOperation,
  deleteObjectsOperation,
  deleteSubscriptionsOperation,
  deleteTenantsOperation,
  deleteUsersOperation,
  identifyUsersOperation,
  setObjectsOperation,
  setPreferencesOperation,
  setTenantsOperation,
  type NewBulkOperation,
} from '@prefs/db';
import type { TestEnvironment } from '@prefs/testing';
import {
  deepEqual,
  FIRST_MERGE,
  lockRow,
  lockUserRow,
  parseBulkRequest,
  readUsers,
  SECOND_MERGE,
  seedUsers,
  variedInitialState,
  type ApiHandle,
} from './support';

/**
 * The fault suite's guarantees hold for every kind of bulk operation: each kind below says how to post
 * one over given keys, seed and lock the rows its batches write, and what a clean run leaves (computed
 * with the shared functions: applyPreferences, mergeProperties). The tests are parametrised over them.
 */

/** Every key's stored value; null: no row. */
export type KeyState = Map<string, unknown>;

export interface FaultKind {
  /** The operation's name (and how a test row is labelled). */
  name: string;
  /** Two writes whose order shows: applied the other way round, they leave different rows. */
  first: Record<string, unknown>;
  second: Record<string, unknown>;
  body(keys: string[], write: Record<string, unknown>): Record<string, unknown>;
  path: string;
  initialState(keys: string[]): KeyState;
  seed(env: TestEnvironment, state: KeyState): Promise<void>;
  /** Locks the row of `key`, which must exist (seeded), so that a batch writing it waits. */
  lock(env: TestEnvironment, key: string): Promise<{ release(): Promise<void> }>;
  /** The state after one clean run of `write` over `keys`. */
  apply(state: KeyState, keys: string[], write: Record<string, unknown>): KeyState;
  read(env: TestEnvironment, keys: string[]): Promise<KeyState>;
  /** The operation the API would record for this body (for recording one without the API). */
  operation(keys: string[], write: Record<string, unknown>): NewBulkOperation;
}

function valid<T>(result: Validated<T>): T {
  if (!result.ok) throw new Error(`invalid bulk request in a test: ${JSON.stringify(result.errors)}`);
  return result.value;
}

export const PREFERENCES: FaultKind = {
  name: 'users.set_preferences',
  first: FIRST_MERGE,
  second: SECOND_MERGE,
  path: '/v1/users/bulk/preferences',
  body: (keys, preferences) => ({ user_ids: keys, preferences }),
  initialState: variedInitialState,
  seed: (env, state) => seedUsers(env, state as Parameters<typeof seedUsers>[1]),
  lock: (env, key) => lockUserRow(env, key),
  apply(state, keys, preferences) {
    const request = parseBulkRequest({ user_ids: keys, preferences });
    const next = new Map(state);
    for (const key of request.userIds) next.set(key, applyPreferences(request.strategy, (next.get(key) ?? null) as never, request.document));
    return next;
  },
  read: (env, keys) => readUsers(env, keys),
  operation: (keys, preferences) => setPreferencesOperation(parseBulkRequest({ user_ids: keys, preferences })),
};

type Properties = Record<string, JsonValue>;

function custom(write: Record<string, unknown>, except: string[]): Properties {
  return Object.fromEntries(Object.entries(write).filter(([key]) => !except.includes(key))) as Properties;
}

export const TENANTS: FaultKind = {
  name: 'tenants.set',
  first: { name: 'First', plan: 'gold', region: null, seats: 10 },
  second: { name: 'Second', plan: null, seats: 20, beta: true },
  path: '/v1/tenants/bulk/set',
  body: (keys, write) => ({ tenants: keys.map((id) => ({ id, ...write })) }),
  initialState: (keys) =>
    new Map(keys.map((key, index) => [key, index % 5 === 0 ? null : { name: `Tenant ${index}`, properties: { region: 'eu', keep: index } }])),
  async seed(env, state) {
    const rows = [...state].filter(([, value]) => value !== null).map(([id, value]) => ({ id, ...(value as object) }));
    await env.db.$executeRawUnsafe(
      `INSERT INTO tenants (environment_id, id, name, properties)
       SELECT $1::uuid, seed.id, seed.name, seed.properties FROM jsonb_to_recordset($2::jsonb) AS seed(id text, name text, properties jsonb)`,
      env.environmentId,
      JSON.stringify(rows),
    );
  },
  lock: (env, key) =>
    lockRow(env, 'SELECT 1 FROM tenants WHERE environment_id = $1::uuid AND id = $2 FOR UPDATE', [env.environmentId, key], `tenant ${key}`),
  apply(state, keys, write) {
    const next = new Map(state);
    for (const key of keys) {
      const stored = (next.get(key) ?? { name: null, properties: {} }) as { name: string | null; properties: Properties };
      next.set(key, { name: 'name' in write ? write.name : stored.name, properties: mergeProperties(stored.properties, custom(write, ['name'])) });
    }
    return next;
  },
  async read(env, keys) {
    const rows = await env.db.$queryRawUnsafe<{ id: string; name: string | null; properties: Properties }[]>(
      'SELECT id, name, properties FROM tenants WHERE environment_id = $1::uuid AND id = ANY($2::text[])',
      env.environmentId,
      keys,
    );
    const state: KeyState = new Map(keys.map((key) => [key, null]));
    for (const row of rows) state.set(row.id, { name: row.name, properties: row.properties });
    return state;
  },
  operation: (keys, write) => setTenantsOperation(valid(validateBulkSetTenants(TENANTS.body(keys, write)))),
};

export const USERS: FaultKind = {
  name: 'users.identify',
  first: { name: 'First', plan: 'gold', locale: null, seats: 10 },
  second: { name: 'Second', plan: null, seats: 20, beta: true },
  path: '/v1/users/bulk/identify',
  body: (keys, write) => ({ users: keys.map((id) => ({ id, ...write })) }),
  initialState: (keys) => new Map(keys.map((key, index) => [key, index % 5 === 0 ? null : { properties: { name: `User ${index}`, locale: 'fr', keep: index } }])),
  async seed(env, state) {
    const rows = [...state].filter(([, value]) => value !== null).map(([id, value]) => ({ id, ...(value as object) }));
    await env.db.$executeRawUnsafe(
      `INSERT INTO users (environment_id, id, properties)
       SELECT $1::uuid, seed.id, seed.properties FROM jsonb_to_recordset($2::jsonb) AS seed(id text, properties jsonb)`,
      env.environmentId,
      JSON.stringify(rows),
    );
  },
  lock: (env, key) => lockRow(env, 'SELECT 1 FROM users WHERE environment_id = $1::uuid AND id = $2 FOR UPDATE', [env.environmentId, key], `user ${key}`),
  apply(state, keys, write) {
    const next = new Map(state);
    for (const key of keys) {
      const stored = (next.get(key) ?? { properties: {} }) as { properties: Properties };
      next.set(key, { properties: mergeProperties(stored.properties, write as Properties) });
    }
    return next;
  },
  async read(env, keys) {
    const rows = await env.db.$queryRawUnsafe<{ id: string; properties: Properties }[]>(
      'SELECT id, properties FROM users WHERE environment_id = $1::uuid AND id = ANY($2::text[])',
      env.environmentId,
      keys,
    );
    const state: KeyState = new Map(keys.map((key) => [key, null]));
    for (const row of rows) state.set(row.id, { properties: row.properties });
    return state;
  },
  operation: (keys, write) => identifyUsersOperation(valid(validateBulkIdentifyUsers(USERS.body(keys, write)))),
};

/**
 * users.delete over the users USERS seeds: every key ends with no row. Its two writes are the same (a
 * delete has no content), so its ordering case shows only that overlapping deletes both complete.
 */
export const DELETES: FaultKind = {
  ...USERS,
  name: 'users.delete',
  first: {},
  second: {},
  path: '/v1/users/bulk/delete',
  body: (keys) => ({ user_ids: keys }),
  apply: (state, keys) => {
    const next = new Map(state);
    for (const key of keys) next.set(key, null);
    return next;
  },
  operation: (keys) => deleteUsersOperation(valid(validateBulkDeleteUsers({ user_ids: keys }))),
};

/**
 * tenants.delete over the tenants TENANTS seeds, the ids in the body (1,000 of these would not fit the
 * 16 KiB request line the SDK's query form needs): every key ends with no row.
 */
export const TENANT_DELETES: FaultKind = {
  ...TENANTS,
  name: 'tenants.delete',
  first: {},
  second: {},
  path: '/v1/tenants/bulk/delete',
  body: (keys) => ({ tenant_ids: keys }),
  apply: DELETES.apply,
  operation: (keys) => deleteTenantsOperation(valid(validateBulkDeleteTenants([], { tenant_ids: keys }))),
};

/** Objects of one collection: objects.set merges properties as users.identify does, on the objects' rows. */
const COLLECTION = 'fault-projects';

export const OBJECTS: FaultKind = {
  ...USERS,
  name: 'objects.set',
  path: `/v1/objects/${COLLECTION}/bulk/set`,
  body: (keys, write) => ({ objects: keys.map((id) => ({ id, ...write })) }),
  async seed(env, state) {
    const rows = [...state].filter(([, value]) => value !== null).map(([id, value]) => ({ id, ...(value as object) }));
    await env.db.$executeRawUnsafe(
      `INSERT INTO objects (environment_id, collection, id, properties)
       SELECT $1::uuid, $2, seed.id, seed.properties FROM jsonb_to_recordset($3::jsonb) AS seed(id text, properties jsonb)`,
      env.environmentId,
      COLLECTION,
      JSON.stringify(rows),
    );
  },
  lock: (env, key) =>
    lockRow(env, 'SELECT 1 FROM objects WHERE environment_id = $1::uuid AND collection = $2 AND id = $3 FOR UPDATE', [env.environmentId, COLLECTION, key], `object ${key}`),
  async read(env, keys) {
    const rows = await env.db.$queryRawUnsafe<{ id: string; properties: Properties }[]>(
      'SELECT id, properties FROM objects WHERE environment_id = $1::uuid AND collection = $2 AND id = ANY($3::text[])',
      env.environmentId,
      COLLECTION,
      keys,
    );
    const state: KeyState = new Map(keys.map((key) => [key, null]));
    for (const row of rows) state.set(row.id, { properties: row.properties });
    return state;
  },
  operation: (keys, write) => setObjectsOperation(COLLECTION, valid(validateBulkSetObjects(OBJECTS.body(keys, write)))),
};

/** objects.delete over the objects OBJECTS seeds: every key ends with no row (as DELETES for users). */
export const OBJECT_DELETES: FaultKind = {
  ...OBJECTS,
  name: 'objects.delete',
  first: {},
  second: {},
  path: `/v1/objects/${COLLECTION}/bulk/delete`,
  body: (keys) => ({ object_ids: keys }),
  apply: DELETES.apply,
  operation: (keys) => deleteObjectsOperation(COLLECTION, valid(validateBulkDeleteObjects({ object_ids: keys }))),
};

/**
 * objects.add_subscriptions over objects of COLLECTION, each key an object (all set, since the suite counts
 * every key a success): its state the properties of each user subscribed to it. The two writes subscribe
 * `fan-b` with different properties, so order shows.
 */
type Subscribers = Record<string, Properties | null>;

export const SUBSCRIPTIONS: FaultKind = {
  name: 'objects.add_subscriptions',
  first: { recipients: ['fan-a', 'fan-b'], properties: { level: 1 } },
  second: { recipients: ['fan-b', 'fan-c'], properties: { level: 2 } },
  path: `/v1/objects/${COLLECTION}/bulk/subscriptions/add`,
  body: (keys, write) => ({ subscriptions: keys.map((id) => ({ id, ...write })) }),
  initialState: (keys) => new Map(keys.map((key, index) => [key, { shared: { old: index }, ...(index % 3 === 0 ? { keep: null } : {}) }])),
  async seed(env, state) {
    const objects = [...state].filter(([, value]) => value !== null);
    await env.db.$executeRawUnsafe(
      'INSERT INTO objects (environment_id, collection, id) SELECT $1::uuid, $2, id FROM jsonb_array_elements_text($3::jsonb) AS ids(id)',
      env.environmentId,
      COLLECTION,
      JSON.stringify(objects.map(([id]) => id)),
    );
    const rows = objects.flatMap(([id, value]) => Object.entries(value as Subscribers).map(([recipient, properties]) => ({ id, recipient, properties })));
    await env.db.$executeRawUnsafe(
      `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id, properties)
       SELECT $1::uuid, $2, seed.id, $3, seed.recipient, seed.properties FROM jsonb_to_recordset($4::jsonb) AS seed(id text, recipient text, properties jsonb)`,
      env.environmentId,
      COLLECTION,
      USERS_COLLECTION,
      JSON.stringify(rows),
    );
  },
  lock: OBJECTS.lock,
  apply(state, keys, write) {
    const next = new Map(state);
    for (const key of keys) {
      const subscribers = next.get(key) as Subscribers | null;
      if (subscribers === null) continue;
      next.set(key, { ...subscribers, ...Object.fromEntries((write.recipients as string[]).map((recipient) => [recipient, write.properties as Properties])) });
    }
    return next;
  },
  async read(env, keys) {
    const objects = await OBJECTS.read(env, keys);
    const rows = await env.db.$queryRawUnsafe<{ object_id: string; recipient_id: string; properties: Properties | null }[]>(
      'SELECT object_id, recipient_id, properties FROM subscriptions WHERE environment_id = $1::uuid AND object_collection = $2 AND object_id = ANY($3::text[])',
      env.environmentId,
      COLLECTION,
      keys,
    );
    const state: KeyState = new Map(keys.map((key) => [key, objects.get(key) === null ? null : {}]));
    for (const row of rows) (state.get(row.object_id) as Subscribers)[row.recipient_id] = row.properties;
    return state;
  },
  operation: (keys, write) => addSubscriptionsOperation(COLLECTION, valid(validateBulkAddSubscriptions(SUBSCRIPTIONS.body(keys, write), COLLECTION))),
};

/** objects.delete_subscriptions over what SUBSCRIPTIONS seeds: each object's `shared` subscriber (and any `fan-a`) removed. */
export const SUBSCRIPTION_DELETES: FaultKind = {
  ...SUBSCRIPTIONS,
  name: 'objects.delete_subscriptions',
  first: { recipients: ['shared', 'fan-a'] },
  second: { recipients: ['shared'] },
  path: `/v1/objects/${COLLECTION}/bulk/subscriptions/delete`,
  // The batch's statement waits on the subscription it removes.
  lock: (env, key) =>
    lockRow(
      env,
      'SELECT 1 FROM subscriptions WHERE environment_id = $1::uuid AND object_collection = $2 AND object_id = $3 AND recipient_id = $4 FOR UPDATE',
      [env.environmentId, COLLECTION, key, 'shared'],
      `subscription to ${key}`,
    ),
  apply(state, keys, write) {
    const next = new Map(state);
    for (const key of keys) {
      const subscribers = next.get(key) as Subscribers | null;
      if (subscribers !== null) next.set(key, Object.fromEntries(Object.entries(subscribers).filter(([recipient]) => !(write.recipients as string[]).includes(recipient))));
    }
    return next;
  },
  operation: (keys, write) => deleteSubscriptionsOperation(COLLECTION, valid(validateBulkDeleteSubscriptions(SUBSCRIPTION_DELETES.body(keys, write)))),
};

/** The kinds with one document per key; the preference kind keeps its own writes in each test. */
export const KEYED_KINDS = [TENANTS, USERS, DELETES, TENANT_DELETES, OBJECTS, OBJECT_DELETES, SUBSCRIPTIONS, SUBSCRIPTION_DELETES];

export async function postOperation(
  api: ApiHandle,
  env: TestEnvironment,
  kind: FaultKind,
  keys: string[],
  write: Record<string, unknown>,
): Promise<{ status: number; id: string; body: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${kind.path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(kind.body(keys, write)),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, id: String(json.id), body: json };
}

/** The state after clean runs of `runs`, in this order. */
export function applyRuns(kind: FaultKind, initial: KeyState, runs: [string[], Record<string, unknown>][]): KeyState {
  return runs.reduce((state, [keys, write]) => kind.apply(state, keys, write), initial);
}

/** Compares every key's stored row with the expected one; fails naming the first few that differ. */
export async function expectEveryKey(env: TestEnvironment, kind: FaultKind, expected: KeyState): Promise<number> {
  const keys = [...expected.keys()];
  const stored = await kind.read(env, keys);
  const wrong = keys.filter((key) => !deepEqual(stored.get(key) ?? null, expected.get(key) ?? null));
  if (wrong.length > 0) {
    const examples = wrong.slice(0, 3).map((key) => `${key}: stored ${JSON.stringify(stored.get(key))}, expected ${JSON.stringify(expected.get(key))}`);
    throw new Error(`${wrong.length} of ${keys.length} ${kind.name} rows differ from a clean run, e.g.\n${examples.join('\n')}`);
  }
  return keys.length;
}
