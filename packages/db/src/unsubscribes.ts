import { DEFAULT_SET_ID, unsubscribePatch, type PreferenceDocument } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import { putPreferenceSet, upsertOneSetSql } from './preference-sets';

export type UnsubscribeSource = 'one_click' | 'preference_center';

/** Who unsubscribed from what, through which link. */
export interface UnsubscribeEvent {
  environmentId: string;
  userId: string;
  /** null: commercial_subscribed; else `categories.<key>` or `workflows.<key>`. */
  scope: string | null;
  tenant: string | null;
  linkId: string;
  source: UnsubscribeSource;
}

export interface UnsubscribeRecord {
  id: string;
  userId: string;
  scope: string | null;
  tenant: string | null;
  linkId: string;
  source: UnsubscribeSource;
  createdAt: string;
}

interface UnsubscribeRow {
  id: string;
  user_id: string;
  scope: string | null;
  tenant: string | null;
  link_id: string;
  source: UnsubscribeSource;
  created_at: Date;
}

function toRecord(row: UnsubscribeRow): UnsubscribeRecord {
  return {
    id: row.id,
    userId: row.user_id,
    scope: row.scope,
    tenant: row.tenant,
    linkId: row.link_id,
    source: row.source,
    createdAt: row.created_at.toISOString(),
  };
}

async function insertEvent(tx: Queryable, event: UnsubscribeEvent): Promise<UnsubscribeRecord> {
  const rows = await tx.$queryRawUnsafe<UnsubscribeRow[]>(
    `INSERT INTO unsubscribes (environment_id, user_id, scope, tenant, link_id, source)
     VALUES ($1::uuid, $2, $3, $4, $5, $6)
     RETURNING id::text, user_id, scope, tenant, link_id, source, created_at`,
    event.environmentId,
    event.userId,
    event.scope,
    event.tenant,
    event.linkId,
    event.source,
  );
  return toRecord(rows[0]);
}

/**
 * A one-click unsubscribe: merges `commercial_subscribed: false` (or the scoped key `false`) into the
 * user's `default` set, in PostgreSQL (the shared merge compiled to SQL, as every merge), and records the
 * event, in one statement (so one transaction, and one round trip: a campaign's burst of unsubscribes
 * holds each row lock for the shortest time). When this returns, both are committed. A stored set that is
 * not an object (only a hand-edited row) is replaced by the patch: the user's wish to stop wins.
 */
export async function recordUnsubscribe(db: Queryable, event: UnsubscribeEvent): Promise<UnsubscribeRecord> {
  const write = upsertOneSetSql('merge', unsubscribePatch(event.scope), 'overwrite');
  const eventParam = (n: number) => `$${3 + write.params.length + n}`;
  const rows = await db.$queryRawUnsafe<UnsubscribeRow[]>(
    `WITH written AS (${write.sql})
     INSERT INTO unsubscribes (environment_id, user_id, scope, tenant, link_id, source)
     SELECT $1::uuid, $2, ${eventParam(1)}, ${eventParam(2)}, ${eventParam(3)}, ${eventParam(4)} FROM written
     RETURNING id::text, user_id, scope, tenant, link_id, source, created_at`,
    event.environmentId,
    event.userId,
    DEFAULT_SET_ID,
    ...write.params,
    event.scope,
    event.tenant,
    event.linkId,
    event.source,
  );
  return toRecord(rows[0]);
}

/**
 * A save of the preference center: merges the patch into the user's `default` set (as PUT does) and, when
 * it turns commercial messages off, records that unsubscribe in the same transaction.
 */
export async function savePreferenceCenter(
  db: Database,
  environmentId: string,
  userId: string,
  patch: PreferenceDocument,
  unsubscribe: UnsubscribeEvent | null,
): Promise<PreferenceDocument> {
  return db.$transaction(async (tx) => {
    const stored = await putPreferenceSet(tx, environmentId, userId, DEFAULT_SET_ID, 'merge', patch);
    if (unsubscribe) await insertEvent(tx, unsubscribe);
    return stored;
  }, TRANSACTION_OPTIONS);
}

export interface UnsubscribePosition {
  createdAt: string;
  id: string;
}

/** One user's unsubscribes, newest first, `limit` at a time, after a position (keyset). */
export async function listUnsubscribes(
  db: Queryable,
  environmentId: string,
  userId: string,
  limit: number,
  after: UnsubscribePosition | null,
): Promise<UnsubscribeRecord[]> {
  const rows = after
    ? await db.$queryRawUnsafe<UnsubscribeRow[]>(
        `SELECT id::text, user_id, scope, tenant, link_id, source, created_at FROM unsubscribes
         WHERE environment_id = $1::uuid AND user_id = $2 AND (created_at, id) < ($3::timestamptz, $4::uuid)
         ORDER BY created_at DESC, id DESC LIMIT $5`,
        environmentId,
        userId,
        after.createdAt,
        after.id,
        limit,
      )
    : await db.$queryRawUnsafe<UnsubscribeRow[]>(
        `SELECT id::text, user_id, scope, tenant, link_id, source, created_at FROM unsubscribes
         WHERE environment_id = $1::uuid AND user_id = $2
         ORDER BY created_at DESC, id DESC LIMIT $3`,
        environmentId,
        userId,
        limit,
      );
  return rows.map(toRecord);
}
