import type { ObjectInput, ObjectRecord, RecipientRecord } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import type { KeysetPage, KeysetPosition } from './keyset-page';
import { getRecipientRows, listRecipientRows, writeRecipientBatch } from './recipient-rows';

/** Knock's objects: recipients named by (collection, id), stored by the recipients' own code (recipient-rows.ts). */

const inCollection = (collection: string) => (record: RecipientRecord): ObjectRecord => ({ ...record, collection });

/** A set object; null when never set (or deleted). */
export async function getObject(db: Queryable, environmentId: string, collection: string, id: string): Promise<ObjectRecord | null> {
  const record = (await getRecipientRows(db, environmentId, collection, [id])).get(id);
  return record ? inCollection(collection)(record) : null;
}

/** Sets up to 1,000 objects of one collection in a transaction, as `writeRecipientBatch` writes any recipients. */
export async function writeObjectBatch(tx: Queryable, environmentId: string, collection: string, items: ObjectInput[]): Promise<ObjectRecord[]> {
  return (await writeRecipientBatch(tx, environmentId, collection, items)).map(inCollection(collection));
}

/** Sets one object (PUT /v1/objects/:collection/:id) and returns it as stored. */
export async function setObject(db: Database, environmentId: string, collection: string, input: ObjectInput): Promise<ObjectRecord> {
  const [object] = await db.$transaction((tx) => writeObjectBatch(tx, environmentId, collection, [input]), TRANSACTION_OPTIONS);
  return object;
}

/** One page of a collection's objects, newest first (see keyset-page.ts). */
export async function listObjects(
  db: Queryable,
  args: { environmentId: string; collection: string; pageSize: number; after?: KeysetPosition | null; before?: KeysetPosition | null },
): Promise<KeysetPage<ObjectRecord>> {
  const { collection, ...page } = args;
  const listed = await listRecipientRows(db, collection, page);
  return { ...listed, entries: listed.entries.map(inCollection(collection)) };
}
