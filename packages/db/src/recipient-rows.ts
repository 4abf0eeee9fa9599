import { mergeProperties, StoredPropertiesLimitError, withinStoredLimits, type JsonValue, type RecipientInput, type RecipientRecord, type RecipientReference, type UserInput, USERS_COLLECTION } from '@prefs/core';
import type { Queryable } from './client';
import { keysetPage, type KeysetPage, type KeysetPosition } from './keyset-page';

/**
 * A recipient's own row, the same code for both kinds: users in `users` by id, objects in `objects` by
 * (collection, id). Every statement takes the environment as `$1`, the ids as `$2` and, for objects, the
 * collection as `$3`; `rowsOf` says which table and key that is. At the end, recipients of any collections
 * at once by reference (both ends of subscriptions): read in one statement, and made to exist.
 */

interface RecipientRow {
  id: string;
  properties: Record<string, JsonValue>;
  created_at: Date;
  updated_at: Date;
}

interface RecipientRows {
  table: 'users' | 'objects';
  /** The key columns beside environment_id and id, as listed in an INSERT (`collection, ` or nothing). */
  keyColumns: string;
  /** Their values in the same INSERT. */
  keyValues: string;
  /** The condition on them, to follow a WHERE on environment_id (on `table`'s own name). */
  keyMatch: string;
  /** The parameters after the ids. */
  params: string[];
}

/** Where the rows of `collection`'s recipients live (users under USERS_COLLECTION). */
function rowsOf(collection: string): RecipientRows {
  if (collection === USERS_COLLECTION) return { table: 'users', keyColumns: '', keyValues: '', keyMatch: '', params: [] };
  return { table: 'objects', keyColumns: 'collection, ', keyValues: '$3, ', keyMatch: ' AND objects.collection = $3', params: [collection] };
}

const COLUMNS = 'id, properties, created_at, updated_at';

function toRecord(row: RecipientRow): RecipientRecord {
  return { id: row.id, properties: row.properties, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Stored recipients of one collection by id, in one statement; unknown ids are absent. */
export async function getRecipientRows(db: Queryable, environmentId: string, collection: string, ids: string[]): Promise<Map<string, RecipientRecord>> {
  if (ids.length === 0) return new Map();
  const rows = rowsOf(collection);
  const found = await db.$queryRawUnsafe<RecipientRow[]>(
    `SELECT ${COLUMNS} FROM ${rows.table} WHERE environment_id = $1::uuid AND id IN (SELECT jsonb_array_elements_text($2::jsonb))${rows.keyMatch}`,
    environmentId,
    JSON.stringify([...new Set(ids)]),
    ...rows.params,
  );
  return new Map(found.map((row) => [row.id, toRecord(row)]));
}

/**
 * Writes up to 1,000 recipients of one collection: each one's properties merge into the stored ones
 * (created when new), in three set-based statements (create missing rows, lock all in id order, write
 * back). Items naming the same recipient apply in their order. Run it in a transaction; returns each
 * distinct recipient as stored, in id order. Throws StoredPropertiesLimitError (writing nothing) when a
 * recipient's merged properties would pass the stored limits; its `ids` name them, so a caller can set
 * them aside and write the rest.
 */
export async function writeRecipientBatch(tx: Queryable, environmentId: string, collection: string, items: RecipientInput[]): Promise<RecipientRecord[]> {
  if (items.length === 0) return [];
  const rows = rowsOf(collection);
  const ids = JSON.stringify([...new Set(items.map((item) => item.id))].sort());
  await tx.$executeRawUnsafe(
    `INSERT INTO ${rows.table} (environment_id, ${rows.keyColumns}id)
     SELECT $1::uuid, ${rows.keyValues}ids.id FROM jsonb_array_elements_text($2::jsonb) AS ids(id) ORDER BY ids.id
     ON CONFLICT (environment_id, ${rows.keyColumns}id) DO NOTHING`,
    environmentId,
    ids,
    ...rows.params,
  );
  const locked = await tx.$queryRawUnsafe<RecipientRow[]>(
    `SELECT ${COLUMNS} FROM ${rows.table} WHERE environment_id = $1::uuid AND id IN (SELECT jsonb_array_elements_text($2::jsonb))${rows.keyMatch}
     ORDER BY id FOR UPDATE`,
    environmentId,
    ids,
    ...rows.params,
  );
  const stored = new Map(locked.map((row) => [row.id, toRecord(row)]));
  for (const item of items) {
    const current = stored.get(item.id);
    if (!current) throw new Error(`recipient ${item.id} vanished while its batch held it`);
    stored.set(item.id, { ...current, properties: mergeProperties(current.properties, item.properties), createdAt: item.createdAt ?? current.createdAt });
  }
  const overLimit = [...stored.values()].filter((record) => !withinStoredLimits(record.properties)).map((record) => record.id);
  if (overLimit.length > 0) throw new StoredPropertiesLimitError(overLimit);
  const updated = await tx.$queryRawUnsafe<RecipientRow[]>(
    `UPDATE ${rows.table} SET properties = batch.properties, created_at = batch.created_at, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS batch(id text, properties jsonb, created_at timestamptz)
     WHERE ${rows.table}.environment_id = $1::uuid AND ${rows.table}.id = batch.id${rows.keyMatch}
     RETURNING ${rows.table}.id, ${rows.table}.properties, ${rows.table}.created_at, ${rows.table}.updated_at`,
    environmentId,
    JSON.stringify([...stored.values()].map((record) => ({ id: record.id, properties: record.properties, created_at: record.createdAt }))),
    ...rows.params,
  );
  return updated.map(toRecord).sort(byId);
}

/** One page of a collection's recipients, newest first (see keyset-page.ts). */
export async function listRecipientRows(
  db: Queryable,
  collection: string,
  args: { environmentId: string; pageSize: number; after?: KeysetPosition | null; before?: KeysetPosition | null },
): Promise<KeysetPage<RecipientRecord>> {
  const rows = rowsOf(collection);
  // Users have no collection column: a null filter is not applied.
  const filters = { collection: { value: rows.table === 'objects' ? collection : null, cast: 'text' } };
  const listing = { table: rows.table, columns: COLUMNS, atColumn: 'created_at', idCast: 'text', filters, toEntry: toRecord, positionOf: (record: RecipientRecord) => ({ at: record.createdAt, id: record.id }) };
  return keysetPage(db, listing, args);
}

/** The key of a recipient in the maps below: collection and id, one line each (ids hold no control characters). */
export const recipientKey = (recipient: RecipientReference): string => `${recipient.collection}\n${recipient.id}`;

const references = (recipients: RecipientReference[]) => JSON.stringify(recipients.map((recipient) => [recipient.collection, recipient.id]));

/** The stored users and objects among `recipients`, by `recipientKey`; those not stored are absent. */
export async function getRecipients(db: Queryable, environmentId: string, recipients: RecipientReference[]): Promise<Map<string, RecipientRecord & RecipientReference>> {
  if (recipients.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<(RecipientRow & { collection: string })[]>(
    `WITH wanted AS (SELECT wanted.ref->>0 AS collection, wanted.ref->>1 AS id FROM jsonb_array_elements($2::jsonb) AS wanted(ref))
     SELECT $3::text AS collection, u.id, u.properties, u.created_at, u.updated_at FROM users u
     WHERE u.environment_id = $1::uuid AND u.id IN (SELECT id FROM wanted WHERE collection = $3::text)
     UNION ALL
     SELECT o.collection, o.id, o.properties, o.created_at, o.updated_at FROM objects o
     WHERE o.environment_id = $1::uuid AND (o.collection, o.id) IN (SELECT collection, id FROM wanted WHERE collection <> $3::text)`,
    environmentId,
    references(recipients),
    USERS_COLLECTION,
  );
  return new Map(rows.map((row) => [recipientKey(row), { collection: row.collection, ...toRecord(row) }]));
}

/**
 * Makes every recipient exist (users and objects not stored yet are created empty), then identifies the
 * users sent inline (their properties merged, as identify does). Rows are created in one statement in key
 * order, so concurrent writers never wait on each other in a cycle. Run it in a transaction; throws
 * StoredPropertiesLimitError as `writeRecipientBatch` does.
 */
export async function identifyRecipients(tx: Queryable, environmentId: string, recipients: RecipientReference[], identify: UserInput[]): Promise<void> {
  if (recipients.length === 0) return;
  await tx.$executeRawUnsafe(
    `WITH wanted AS (SELECT DISTINCT wanted.ref->>0 AS collection, wanted.ref->>1 AS id FROM jsonb_array_elements($2::jsonb) AS wanted(ref)),
     new_users AS (
       INSERT INTO users (environment_id, id) SELECT $1::uuid, id FROM wanted WHERE collection = $3::text ORDER BY id
       ON CONFLICT (environment_id, id) DO NOTHING)
     INSERT INTO objects (environment_id, collection, id) SELECT $1::uuid, collection, id FROM wanted WHERE collection <> $3::text ORDER BY collection, id
     ON CONFLICT (environment_id, collection, id) DO NOTHING`,
    environmentId,
    references(recipients),
    USERS_COLLECTION,
  );
  await writeRecipientBatch(tx, environmentId, USERS_COLLECTION, identify);
}
