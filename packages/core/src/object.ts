import type { JsonValue } from './custom-properties';
import type { RecipientRecord } from './user';

/** A stored object (Knock's Object): a recipient named by its collection and id. */
export interface ObjectRecord extends RecipientRecord {
  collection: string;
}

export interface ObjectResource {
  __typename: 'Object';
  id: string;
  collection: string;
  properties: Record<string, JsonValue>;
  created_at: string;
  updated_at: string;
}

/** Knock's Object: the properties set flat in the body (`name`, custom ones) answered under `properties`. */
export function toObjectResource(record: ObjectRecord): ObjectResource {
  return {
    __typename: 'Object',
    id: record.id,
    collection: record.collection,
    properties: record.properties,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}
