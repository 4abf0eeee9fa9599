import type { AddSubscriptionsInput, JsonValue, RecipientReference, SubscriptionRecord } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import { keysetPage, type KeysetPage, type KeysetPosition } from './keyset-page';
import { getRecipients, identifyRecipients, recipientKey } from './recipient-rows';

/**
 * Knock's subscriptions: recipients (users and objects) subscribed to objects, with the relationship's
 * properties. Add (identifying the recipients first) and delete, for one object or a batch of objects of
 * one collection, and the listings both ways; every answer embeds both ends as stored.
 */

interface SubscriptionRow {
  object_collection: string;
  object_id: string;
  recipient_collection: string;
  recipient_id: string;
  properties: Record<string, JsonValue> | null;
  inserted_at: Date;
  updated_at: Date;
}

const COLUMNS = 'object_collection, object_id, recipient_collection, recipient_id, properties, inserted_at, updated_at';

/** Subscriptions to add for one object of the batch's collection. */
export interface SubscriptionEntry extends AddSubscriptionsInput {
  /** The subscribed-to object's id. */
  id: string;
}

const objectOf = (row: SubscriptionRow): RecipientReference => ({ collection: row.object_collection, id: row.object_id });
const recipientOf = (row: SubscriptionRow): RecipientReference => ({ collection: row.recipient_collection, id: row.recipient_id });

/** Each row with both its ends as stored (one statement for all of them); a row whose end is gone is left out. */
async function withEnds(db: Queryable, environmentId: string, rows: SubscriptionRow[]): Promise<SubscriptionRecord[]> {
  const ends = await getRecipients(db, environmentId, [...rows.map(objectOf), ...rows.map(recipientOf)]);
  return rows.flatMap((row) => {
    const object = ends.get(recipientKey(objectOf(row)));
    const recipient = ends.get(recipientKey(recipientOf(row)));
    if (!object || !recipient) return [];
    return [{ object, recipient, properties: row.properties, insertedAt: row.inserted_at.toISOString(), updatedAt: row.updated_at.toISOString() }];
  });
}

/**
 * Of the objects `ids` in `collection`, those not stored. The stored ones are locked against deletion
 * (FOR KEY SHARE, in id order) until the transaction ends, so none is deleted under its new subscriptions.
 */
async function lockObjects(tx: Queryable, environmentId: string, collection: string, ids: string[]): Promise<Set<string>> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM objects WHERE environment_id = $1::uuid AND collection = $2 AND id IN (SELECT jsonb_array_elements_text($3::jsonb))
     ORDER BY id FOR KEY SHARE`,
    environmentId,
    collection,
    JSON.stringify(ids),
  );
  const stored = new Set(rows.map((row) => row.id));
  return new Set(ids.filter((id) => !stored.has(id)));
}

/**
 * Subscribes each entry's recipients to its object, in one transaction `tx`: objects not stored are
 * skipped and returned as `missing`; the recipients of the others are identified, then their
 * subscriptions upserted in one statement (an existing one takes the entry's properties). Entries for the
 * same object apply in order: a recipient in two of them takes the later one's properties.
 * Throws StoredPropertiesLimitError (writing nothing) as `identifyRecipients` does.
 */
export async function writeSubscriptions(tx: Queryable, environmentId: string, collection: string, entries: SubscriptionEntry[]): Promise<{ missing: Set<string>; rows: SubscriptionRow[] }> {
  const missing = await lockObjects(tx, environmentId, collection, [...new Set(entries.map((entry) => entry.id))].sort());
  const kept = entries.filter((entry) => !missing.has(entry.id));
  if (kept.length === 0) return { missing, rows: [] };
  await identifyRecipients(tx, environmentId, kept.flatMap((entry) => entry.recipients), kept.flatMap((entry) => entry.identify));
  // Latest entry first, so that each (object, recipient) is written once, with the properties sent last.
  const written = new Set<string>();
  const groups = kept
    .slice()
    .reverse()
    .map((entry) => {
      const recipients = entry.recipients.filter((recipient) => {
        const key = `${entry.id}\n${recipientKey(recipient)}`;
        if (written.has(key)) return false;
        written.add(key);
        return true;
      });
      return { id: entry.id, properties: entry.properties, recipients };
    });
  const rows = await tx.$queryRawUnsafe<SubscriptionRow[]>(
    `INSERT INTO subscriptions AS s (environment_id, object_collection, object_id, recipient_collection, recipient_id, properties)
     SELECT $1::uuid, $2, entry.id, recipient.collection, recipient.id, entry.properties
     FROM jsonb_to_recordset($3::jsonb) AS entry(id text, properties jsonb, recipients jsonb),
          jsonb_to_recordset(entry.recipients) AS recipient(collection text, id text)
     ORDER BY entry.id, recipient.collection, recipient.id
     ON CONFLICT (environment_id, object_collection, object_id, recipient_collection, recipient_id)
     DO UPDATE SET properties = EXCLUDED.properties, updated_at = now()
     RETURNING ${COLUMNS}`,
    environmentId,
    collection,
    JSON.stringify(groups),
  );
  return { missing, rows };
}

/**
 * The DELETE of the subscriptions of each entry's recipients to its object, for a statement whose `$1` is
 * the environment and `$2` the objects' collection; `entries` is the parameter of the entries as JSON
 * (`[{ id, recipients: [{ collection, id }] }]`), `condition` more to hold (for a batch's guard).
 */
export function subscriptionRemovals(entries: string, condition = ''): string {
  return `DELETE FROM subscriptions AS s
     USING jsonb_to_recordset(${entries}) AS entry(id text, recipients jsonb), jsonb_to_recordset(entry.recipients) AS recipient(collection text, id text)
     WHERE s.environment_id = $1::uuid AND s.object_collection = $2::text AND s.object_id = entry.id
       AND s.recipient_collection = recipient.collection AND s.recipient_id = recipient.id${condition}`;
}

/** Removes the subscriptions of each entry's recipients to its object, in one statement; those that do not exist are skipped. Returns the removed rows. */
async function removeSubscriptions(db: Queryable, environmentId: string, collection: string, entries: { id: string; recipients: RecipientReference[] }[]): Promise<SubscriptionRow[]> {
  return db.$queryRawUnsafe<SubscriptionRow[]>(
    `${subscriptionRemovals('$3::jsonb')} RETURNING ${COLUMNS.split(', ').map((column) => `s.${column}`).join(', ')}`,
    environmentId,
    collection,
    JSON.stringify(entries),
  );
}

/** Subscribes recipients to one object (Knock's addSubscriptionsForObject); null, writing nothing, when the object is not stored. */
export async function addSubscriptions(db: Database, environmentId: string, object: RecipientReference, input: AddSubscriptionsInput): Promise<SubscriptionRecord[] | null> {
  return db.$transaction(async (tx) => {
    const { missing, rows } = await writeSubscriptions(tx, environmentId, object.collection, [{ id: object.id, ...input }]);
    if (missing.size > 0) return null;
    return withEnds(tx, environmentId, rows);
  }, TRANSACTION_OPTIONS);
}

/** Unsubscribes recipients from one object (Knock's deleteSubscriptionsForObject): the subscriptions removed, as they were. */
export async function deleteSubscriptions(db: Database, environmentId: string, object: RecipientReference, recipients: RecipientReference[]): Promise<SubscriptionRecord[]> {
  return db.$transaction(async (tx) => {
    const rows = await removeSubscriptions(tx, environmentId, object.collection, [{ id: object.id, recipients }]);
    return withEnds(tx, environmentId, rows);
  }, TRANSACTION_OPTIONS);
}

/** Which end of the subscriptions a listing is of: an object's subscribers, or a recipient's subscriptions. */
export type SubscriptionSide = 'object' | 'recipient';

export interface ListSubscriptionsArgs {
  environmentId: string;
  side: SubscriptionSide;
  /** The object (side `object`) or the recipient (side `recipient`) listed. */
  of: RecipientReference;
  /** Only these at the other end (recipients, or objects); null: all. */
  only: RecipientReference[] | null;
  pageSize: number;
  after?: KeysetPosition | null;
  before?: KeysetPosition | null;
}

/** A page's position ids are the other end's collection and id, one line each. */
function listing(args: ListSubscriptionsArgs) {
  const [listed, other] = args.side === 'object' ? (['object', 'recipient'] as const) : (['recipient', 'object'] as const);
  const otherOf = (row: SubscriptionRow) => (other === 'recipient' ? recipientOf(row) : objectOf(row));
  return {
    table: 'subscriptions',
    columns: COLUMNS,
    atColumn: 'inserted_at',
    idCast: 'text',
    idColumns: [`${other}_collection`, `${other}_id`],
    filters: { [`${listed}_collection`]: { value: args.of.collection, cast: 'text' }, [`${listed}_id`]: { value: args.of.id, cast: 'text' } },
    within: args.only && { columns: [`${other}_collection`, `${other}_id`], rows: args.only.map((reference) => [reference.collection, reference.id]) },
    toEntry: (row: SubscriptionRow) => row,
    positionOf: (row: SubscriptionRow) => ({ at: row.inserted_at.toISOString(), id: recipientKey(otherOf(row)) }),
  };
}

/** One page of subscriptions, newest first (see keyset-page.ts), each with both its ends. */
export async function listSubscriptions(db: Queryable, args: ListSubscriptionsArgs): Promise<KeysetPage<SubscriptionRecord>> {
  const page = await keysetPage(db, listing(args), args);
  return { ...page, entries: await withEnds(db, args.environmentId, page.entries) };
}

