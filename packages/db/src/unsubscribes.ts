import { DEFAULT_SET_ID, unsubscribePatch, userRecipient, USERS_COLLECTION, type PreferenceDocument } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import { PREFERENCE_SET_SIZE_CHECK, PreferenceSetTooLargeError, violatesConstraint } from './preference-set-errors';
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
  /** One-click POSTs of the same link that changed nothing after this event, counted here instead of stored. */
  repeats: number;
  /** When the latest of them came; `createdAt` until one does. */
  lastAt: string;
}

interface UnsubscribeRow {
  id: string;
  user_id: string;
  scope: string | null;
  tenant: string | null;
  link_id: string;
  source: UnsubscribeSource;
  created_at: Date;
  repeats: number;
  last_at: Date;
}

const EVENT_COLUMNS = 'id::text, user_id, scope, tenant, link_id, source, created_at, repeats, last_at';

function toRecord(row: UnsubscribeRow): UnsubscribeRecord {
  return {
    id: row.id,
    userId: row.user_id,
    scope: row.scope,
    tenant: row.tenant,
    linkId: row.link_id,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    repeats: row.repeats,
    lastAt: row.last_at.toISOString(),
  };
}

async function insertEvent(tx: Queryable, event: UnsubscribeEvent): Promise<UnsubscribeRecord> {
  const rows = await tx.$queryRawUnsafe<UnsubscribeRow[]>(
    `INSERT INTO unsubscribes (environment_id, user_id, scope, tenant, link_id, source)
     VALUES ($1::uuid, $2, $3, $4, $5, $6)
     RETURNING ${EVENT_COLUMNS}`,
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
 *
 * A POST that changes nothing (already unsubscribed) on a link with a stored one-click event is not stored
 * again: that event's `repeats` grows by one and its `last_at` moves. Every POST is counted exactly once,
 * as a new row or as one repeat: the set's update skips an unchanged row but still locks it, so POSTs for
 * one user take turns; the repeat's UPDATE re-reads the event it counts on, so concurrent repeats all land.
 * An event committed while this statement waited for the lock is not visible to it: that POST stores a
 * new row instead (still counted once).
 *
 * An unsubscribe is never refused for the set's size: into a set near 64 KiB its `false` is stored past the
 * limit; only past `PREFERENCE_SET_LIMITS.optOutBytes` (unsubscribes alone cannot get there but through
 * dozens of distinct scoped links) is it `PreferenceSetTooLargeError`, nothing written.
 */
export async function recordUnsubscribe(db: Database, event: UnsubscribeEvent): Promise<UnsubscribeRecord> {
  try {
    return await recordUnsubscribeOnce(db, event);
  } catch (error) {
    if (!violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw error;
  }
  // The set is nearly full. Consent is never refused for size: the opt-out is written past the limit, as
  // the size trigger allows a transaction that says so (up to PREFERENCE_SET_LIMITS.optOutBytes). Rare, so
  // the common unsubscribe keeps its one round trip.
  try {
    return await db.$transaction(async (tx) => {
      await tx.$queryRawUnsafe("SELECT set_config('prefs.opt_out_past_set_limit', 'on', true)");
      return recordUnsubscribeOnce(tx, event);
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    if (violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw new PreferenceSetTooLargeError();
    throw error;
  }
}

async function recordUnsubscribeOnce(db: Queryable, event: UnsubscribeEvent): Promise<UnsubscribeRecord> {
  const write = upsertOneSetSql('merge', unsubscribePatch(event.scope), 'overwrite', 'changed');
  const eventParam = (n: number) => `$${4 + write.params.length + n}`;
  const [scope, tenant, linkId, source] = [eventParam(1), eventParam(2), eventParam(3), eventParam(4)];
  const rows = await db.$queryRawUnsafe<UnsubscribeRow[]>(
    `WITH written AS (${write.sql}),
     repeated AS (
       UPDATE unsubscribes SET repeats = repeats + 1, last_at = now()
       WHERE id = (
         SELECT id FROM unsubscribes
         WHERE environment_id = $1::uuid AND user_id = $3 AND link_id = ${linkId} AND source = 'one_click'
           AND scope IS NOT DISTINCT FROM ${scope}
         ORDER BY created_at DESC, id DESC LIMIT 1
       ) AND NOT EXISTS (SELECT 1 FROM written)
       RETURNING ${EVENT_COLUMNS}
     ),
     inserted AS (
       INSERT INTO unsubscribes (environment_id, user_id, scope, tenant, link_id, source)
       SELECT $1::uuid, $3, ${scope}, ${tenant}, ${linkId}, ${source} WHERE NOT EXISTS (SELECT 1 FROM repeated)
       RETURNING ${EVENT_COLUMNS}
     )
     SELECT * FROM repeated UNION ALL SELECT * FROM inserted`,
    event.environmentId,
    USERS_COLLECTION,
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
    const stored = await putPreferenceSet(tx, environmentId, userRecipient(userId), DEFAULT_SET_ID, 'merge', patch);
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
        `SELECT ${EVENT_COLUMNS} FROM unsubscribes
         WHERE environment_id = $1::uuid AND user_id = $2 AND (created_at, id) < ($3::timestamptz, $4::uuid)
         ORDER BY created_at DESC, id DESC LIMIT $5`,
        environmentId,
        userId,
        after.createdAt,
        after.id,
        limit,
      )
    : await db.$queryRawUnsafe<UnsubscribeRow[]>(
        `SELECT ${EVENT_COLUMNS} FROM unsubscribes
         WHERE environment_id = $1::uuid AND user_id = $2
         ORDER BY created_at DESC, id DESC LIMIT $3`,
        environmentId,
        userId,
        limit,
      );
  return rows.map(toRecord);
}
