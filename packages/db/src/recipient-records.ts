import { USERS_COLLECTION, type JsonValue, type RecipientRecord, type RecipientReference, type UserInput } from '@prefs/core';
import type { Queryable } from './client';
import { writeUserBatch } from './users';

/**
 * Recipients of either kind (users and objects) by reference: read as RecipientRecords in one statement,
 * and made to exist (identified) before something of theirs is written, such as a subscription.
 */

/** The key of a recipient in the maps below: collection and id, one line each (ids hold no control characters). */
export const recipientKey = (recipient: RecipientReference): string => `${recipient.collection}\n${recipient.id}`;

interface RecipientRow {
  collection: string;
  id: string;
  properties: Record<string, JsonValue>;
  created_at: Date;
  updated_at: Date;
}

const references = (recipients: RecipientReference[]) => JSON.stringify(recipients.map((recipient) => [recipient.collection, recipient.id]));

/** The stored users and objects among `recipients`, by `recipientKey`; those not stored are absent. */
export async function getRecipients(db: Queryable, environmentId: string, recipients: RecipientReference[]): Promise<Map<string, RecipientRecord>> {
  if (recipients.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<RecipientRow[]>(
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
  return new Map(
    rows.map((row) => [
      recipientKey(row),
      { collection: row.collection, id: row.id, properties: row.properties, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() },
    ]),
  );
}

/**
 * Makes every recipient exist (users and objects not stored yet are created empty), then identifies the
 * users sent inline (their properties merged, as identify does). Rows are created in one statement in key
 * order, so concurrent writers never wait on each other in a cycle. Run it in a transaction; throws
 * StoredPropertiesLimitError as `writeUserBatch` does.
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
  await writeUserBatch(tx, environmentId, identify);
}
