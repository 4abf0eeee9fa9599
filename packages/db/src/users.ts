import { mergeProperties, USERS_COLLECTION, StoredPropertiesLimitError, withinStoredLimits, type JsonValue, type UserInput, type UserRecord } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import { keysetPage, type KeysetPage, type KeysetPosition } from './keyset-page';

interface UserRow {
  id: string;
  properties: Record<string, JsonValue>;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, properties, created_at, updated_at';

function toRecord(row: UserRow): UserRecord {
  return { id: row.id, properties: row.properties, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

/** An identified user; null when never identified (or deleted). */
export async function getUser(db: Queryable, environmentId: string, id: string): Promise<UserRecord | null> {
  const rows = await db.$queryRawUnsafe<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE environment_id = $1::uuid AND id = $2`, environmentId, id);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Many identified users in one statement (for decisions over up to 1,000 recipients); unknown ids are absent. */
export async function getUsers(db: Queryable, environmentId: string, ids: string[]): Promise<Map<string, UserRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<UserRow[]>(
    `SELECT ${COLUMNS} FROM users WHERE environment_id = $1::uuid AND id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    environmentId,
    JSON.stringify([...new Set(ids)]),
  );
  return new Map(rows.map((row) => [row.id, toRecord(row)]));
}

/**
 * Identifies up to 1,000 users: each one's properties merge into the stored ones (created when new), in
 * three set-based statements (create missing rows, lock all in id order, write back). Items naming the
 * same user apply in their order. Run it in a transaction; returns each distinct user as stored, in id order.
 * Throws StoredPropertiesLimitError (writing nothing) when a user's merged properties would pass the
 * stored limits; its `ids` name them, so a caller can set them aside and write the rest.
 */
export async function writeUserBatch(tx: Queryable, environmentId: string, items: UserInput[]): Promise<UserRecord[]> {
  if (items.length === 0) return [];
  const ids = JSON.stringify([...new Set(items.map((item) => item.id))].sort());
  await tx.$executeRawUnsafe(
    `INSERT INTO users (environment_id, id)
     SELECT $1::uuid, ids.id FROM jsonb_array_elements_text($2::jsonb) AS ids(id) ORDER BY ids.id
     ON CONFLICT (environment_id, id) DO NOTHING`,
    environmentId,
    ids,
  );
  const rows = await tx.$queryRawUnsafe<UserRow[]>(
    `SELECT ${COLUMNS} FROM users WHERE environment_id = $1::uuid AND id IN (SELECT jsonb_array_elements_text($2::jsonb))
     ORDER BY id FOR UPDATE`,
    environmentId,
    ids,
  );
  const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
  for (const item of items) {
    const stored = byId.get(item.id);
    if (!stored) throw new Error(`user ${item.id} vanished while its batch held it`);
    byId.set(item.id, {
      ...stored,
      properties: mergeProperties(stored.properties, item.properties),
      createdAt: item.createdAt ?? stored.createdAt,
    });
  }
  const overLimit = [...byId.values()].filter((user) => !withinStoredLimits(user.properties)).map((user) => user.id);
  if (overLimit.length > 0) throw new StoredPropertiesLimitError(overLimit);
  const updated = await tx.$queryRawUnsafe<UserRow[]>(
    `UPDATE users SET properties = batch.properties, created_at = batch.created_at, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS batch(id text, properties jsonb, created_at timestamptz)
     WHERE users.environment_id = $1::uuid AND users.id = batch.id
     RETURNING users.id, users.properties, users.created_at, users.updated_at`,
    environmentId,
    JSON.stringify([...byId.values()].map((user) => ({ id: user.id, properties: user.properties, created_at: user.createdAt }))),
  );
  return updated.map(toRecord).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Identifies one user (PUT /v1/users/:id) and returns it as stored. */
export async function identifyUser(db: Database, environmentId: string, input: UserInput): Promise<UserRecord> {
  const [user] = await db.$transaction((tx) => writeUserBatch(tx, environmentId, [input]), TRANSACTION_OPTIONS);
  return user;
}

/**
 * Removes a user, its properties, every preference set, its channel data, subscriptions, audience
 * memberships and unsubscribe events (recipients.md: a delete leaves nothing of the recipient), in one
 * transaction. False when there was nothing of it.
 */
export async function deleteUser(db: Database, environmentId: string, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const users = await tx.$executeRawUnsafe('DELETE FROM users WHERE environment_id = $1::uuid AND id = $2', environmentId, id);
    const sets = await tx.$executeRawUnsafe(
      'DELETE FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3',
      environmentId,
      USERS_COLLECTION,
      id,
    );
    const channels = await tx.$executeRawUnsafe(
      'DELETE FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3',
      environmentId,
      USERS_COLLECTION,
      id,
    );
    const subscriptions = await tx.$executeRawUnsafe(
      'DELETE FROM subscriptions WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3',
      environmentId,
      USERS_COLLECTION,
      id,
    );
    const memberships = await tx.$executeRawUnsafe('DELETE FROM audience_members WHERE environment_id = $1::uuid AND user_id = $2', environmentId, id);
    const unsubscribes = await tx.$executeRawUnsafe('DELETE FROM unsubscribes WHERE environment_id = $1::uuid AND user_id = $2', environmentId, id);
    return users + sets + channels + subscriptions + memberships + unsubscribes > 0;
  }, TRANSACTION_OPTIONS);
}

/** One page of an environment's users, newest first (see keyset-page.ts). */
export async function listUsers(
  db: Queryable,
  args: { environmentId: string; pageSize: number; after?: KeysetPosition | null; before?: KeysetPosition | null },
): Promise<KeysetPage<UserRecord>> {
  const listing = { table: 'users', columns: COLUMNS, atColumn: 'created_at', idCast: 'text', filters: {}, toEntry: toRecord, positionOf: (user: UserRecord) => ({ at: user.createdAt, id: user.id }) };
  return keysetPage(db, listing, args);
}
