import type { JsonValue } from './custom-properties';
import { USER_KNOWN_PROPERTIES } from './contract';

/** A stored recipient's own row (an identified user, a set object), as `packages/db` reads it. */
export interface RecipientRecord {
  id: string;
  properties: Record<string, JsonValue>;
  createdAt: string;
  updatedAt: string;
}
export type UserRecord = RecipientRecord;

export interface UserResource {
  __typename: 'User';
  id: string;
  created_at: string;
  updated_at: string;
  [property: string]: unknown;
}

/** Knock's User: the known properties always present (null when unset), custom ones beside them. */
export function toUserResource(record: UserRecord): UserResource {
  const known = Object.fromEntries(USER_KNOWN_PROPERTIES.map((key) => [key, null]));
  return {
    ...known,
    ...record.properties,
    __typename: 'User',
    id: record.id,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}
