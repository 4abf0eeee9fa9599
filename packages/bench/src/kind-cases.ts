import type { Client } from 'pg';
import { USERS_COLLECTION } from '@prefs/core';
import type { KindCase } from './kinds';

/**
 * The bulk kinds the kinds phase measures, each with PostgreSQL's own limit for its work: the statement
 * the kind's batch writes, by hand, without the operation machinery (claim, progress, ordering).
 */

const PUSH_CHANNEL = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const SETS_PER_USER = 10;
const SUBSCRIPTIONS_PER_USER = 5;
const AUDIENCE = 'bench-kinds-audience';
const SET_DOCUMENT = JSON.stringify({ categories: { marketing: false, product_updates: { channel_types: { email: true, sms: false } } }, channel_types: { push: true } });

/** users.delete's input: users holding 10 sets, one channel's data, 5 subscriptions and an audience membership each. */
async function prepareUsers(client: Client, environmentId: string, ids: string[]): Promise<void> {
  await client.query(
    `WITH ids AS (SELECT unnest($2::text[]) AS id),
     users_made AS (INSERT INTO users (environment_id, id, properties) SELECT $1::uuid, id, '{"plan":"pro"}'::jsonb FROM ids),
     sets_made AS (
       INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       SELECT $1::uuid, $5, ids.id, CASE WHEN n = 0 THEN 'default' ELSE 'bench-tenant-' || n END, $3::jsonb FROM ids, generate_series(0, $4::int - 1) AS n),
     channels_made AS (
       INSERT INTO channel_data (environment_id, recipient_collection, recipient_id, channel_id, data)
       SELECT $1::uuid, $5, ids.id, $6::uuid, jsonb_build_object('tokens', jsonb_build_array('token-' || ids.id)) FROM ids),
     subscriptions_made AS (
       INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id, properties)
       SELECT $1::uuid, 'bench-projects', 'project-' || n, $5, ids.id, '{"role":"watcher"}'::jsonb FROM ids, generate_series(1, $7::int) AS n),
     audience_made AS (INSERT INTO audiences (environment_id, key) VALUES ($1::uuid, $8) ON CONFLICT DO NOTHING)
     INSERT INTO audience_members (environment_id, audience_key, user_id) SELECT $1::uuid, $8, id FROM ids`,
    [environmentId, ids, SET_DOCUMENT, SETS_PER_USER, USERS_COLLECTION, PUSH_CHANNEL, SUBSCRIPTIONS_PER_USER, AUDIENCE],
  );
}

export const usersDeleteCase: KindCase = {
  key: 'users.delete',
  shape: `${SETS_PER_USER} preference sets, one channel's data, ${SUBSCRIPTIONS_PER_USER} subscriptions and an audience membership per user`,
  prepare: prepareUsers,
  // Everything of each user, in one statement, as the kind's batch does it.
  async limitBatch(client, environmentId, ids) {
    await client.query(
      `WITH ids AS (SELECT unnest($2::text[]) AS id),
       deleted_users AS (DELETE FROM users WHERE environment_id = $1::uuid AND id IN (SELECT id FROM ids)),
       deleted_sets AS (DELETE FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id IN (SELECT id FROM ids)),
       deleted_channels AS (DELETE FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id IN (SELECT id FROM ids)),
       deleted_subscriptions AS (DELETE FROM subscriptions WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id IN (SELECT id FROM ids)),
       deleted_memberships AS (DELETE FROM audience_members WHERE environment_id = $1::uuid AND user_id IN (SELECT id FROM ids)),
       deleted_unsubscribes AS (DELETE FROM unsubscribes WHERE environment_id = $1::uuid AND user_id IN (SELECT id FROM ids))
       SELECT 1`,
      [environmentId, ids, USERS_COLLECTION],
    );
  },
  request: (ids) => ({ path: '/v1/users/bulk/delete', body: JSON.stringify({ user_ids: ids }) }),
  async check(client, environmentId, ids) {
    const { rows } = await client.query<{ left: number }>(
      `SELECT (SELECT count(*) FROM users WHERE environment_id = $1::uuid AND id = ANY($2::text[]))
            + (SELECT count(*) FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id = ANY($2::text[]))
            + (SELECT count(*) FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id = ANY($2::text[]))
            + (SELECT count(*) FROM subscriptions WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id = ANY($2::text[]))
            + (SELECT count(*) FROM audience_members WHERE environment_id = $1::uuid AND user_id = ANY($2::text[])) AS left`,
      [environmentId, ids, USERS_COLLECTION],
    );
    return Number(rows[0].left) === 0 ? null : `${rows[0].left} rows of the deleted users remain`;
  },
};

const OBJECTS_COLLECTION = 'bench-kinds-projects';
/** What objects.set sends for each object: a known property, a changed one, a new one and a removal. */
const OBJECT_WRITE = { name: 'Project', plan: 'enterprise', seats: 10, legacy: null };

/** objects.set's input: objects already set with three properties, which each item merges into. */
async function prepareObjects(client: Client, environmentId: string, ids: string[]): Promise<void> {
  await client.query(
    `INSERT INTO objects (environment_id, collection, id, properties)
     SELECT $1::uuid, $2, id, jsonb_build_object('plan', 'pro', 'legacy', true, 'region', 'eu') FROM unnest($3::text[]) AS id`,
    [environmentId, OBJECTS_COLLECTION, ids],
  );
}

export const objectsSetCase: KindCase = {
  key: 'objects.set',
  shape: 'objects of one collection holding 3 properties, each item merging 4 (one a removal)',
  prepare: prepareObjects,
  // The same merge of each object's properties, in one statement (the kind locks, merges in the worker, writes back).
  async limitBatch(client, environmentId, ids) {
    await client.query(
      `INSERT INTO objects AS stored (environment_id, collection, id, properties)
       SELECT $1::uuid, $2, id, jsonb_strip_nulls($4::jsonb) FROM unnest($3::text[]) AS id ORDER BY id
       ON CONFLICT (environment_id, collection, id)
       DO UPDATE SET properties = jsonb_strip_nulls(stored.properties || $4::jsonb), updated_at = now()`,
      [environmentId, OBJECTS_COLLECTION, ids, JSON.stringify(OBJECT_WRITE)],
    );
  },
  request: (ids) => ({ path: `/v1/objects/${OBJECTS_COLLECTION}/bulk/set`, body: JSON.stringify({ objects: ids.map((id) => ({ id, ...OBJECT_WRITE })) }) }),
  async check(client, environmentId, ids) {
    const { rows } = await client.query<{ merged: number }>(
      `SELECT count(*) AS merged FROM objects WHERE environment_id = $1::uuid AND collection = $2 AND id = ANY($3::text[])
         AND properties = '{"name": "Project", "plan": "enterprise", "seats": 10, "region": "eu"}'::jsonb`,
      [environmentId, OBJECTS_COLLECTION, ids],
    );
    return Number(rows[0].merged) === ids.length ? null : `${ids.length - Number(rows[0].merged)} of ${ids.length} objects were not merged as sent`;
  },
};

export const KIND_CASES: KindCase[] = [usersDeleteCase, objectsSetCase];
