import { USERS_COLLECTION, type UserInput, type UserRecord } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import type { KeysetPage, KeysetPosition } from './keyset-page';
import { getRecipientRows, listRecipientRows } from './recipient-rows';
import { writeRecipients, type InlineLimits } from './recipient-writes';
import type { ChangeSource } from './webhooks/outbox';

/** An identified user; null when never identified (or deleted). */
export async function getUser(db: Queryable, environmentId: string, id: string): Promise<UserRecord | null> {
  return (await getRecipientRows(db, environmentId, USERS_COLLECTION, [id])).get(id) ?? null;
}

/** Many identified users in one statement (for decisions over up to 1,000 recipients); unknown ids are absent. */
export async function getUsers(db: Queryable, environmentId: string, ids: string[]): Promise<Map<string, UserRecord>> {
  return getRecipientRows(db, environmentId, USERS_COLLECTION, ids);
}

/** Identifies up to 1,000 users with their inline data in a transaction, as `writeRecipients` writes any recipients. */
export async function writeUserBatch(tx: Queryable, environmentId: string, items: UserInput[], limits: InlineLimits = {}, changedBy?: ChangeSource): Promise<UserRecord[]> {
  return writeRecipients(tx, environmentId, USERS_COLLECTION, items, limits, changedBy);
}

/**
 * Identifies one user (PUT /v1/users/:id) with its inline data, in one transaction, and returns it as
 * stored; with `changedBy`, each set its inline preferences change records `preference_set.updated`.
 */
export async function identifyUser(db: Database, environmentId: string, input: UserInput, limits: InlineLimits = {}, changedBy?: ChangeSource): Promise<UserRecord> {
  const [user] = await db.$transaction((tx) => writeUserBatch(tx, environmentId, [input], limits, changedBy), TRANSACTION_OPTIONS);
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
  return listRecipientRows(db, USERS_COLLECTION, args);
}
