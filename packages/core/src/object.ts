import type { JsonValue } from './custom-properties';
import { USERS_COLLECTION } from './recipient-reference';
import { toUserResource } from './user';

/**
 * A stored recipient of either kind, as `packages/db` reads it: a user (under the reserved collection
 * `$users`) or an object, with its properties; and Knock's answers for them (`User`, `Object`).
 */
export interface RecipientRecord {
  collection: string;
  id: string;
  properties: Record<string, JsonValue>;
  createdAt: string;
  updatedAt: string;
}

/** Knock's Object: its properties under `properties`, beside its collection and id. */
export function toObjectResource(record: RecipientRecord) {
  return {
    __typename: 'Object' as const,
    id: record.id,
    collection: record.collection,
    properties: record.properties,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** Knock's Recipient: a User or an Object. */
export function toRecipientResource(record: RecipientRecord): Record<string, unknown> {
  return record.collection === USERS_COLLECTION ? toUserResource(record) : toObjectResource(record);
}
