import {
  MAX_STORED_PROPERTIES,
  MAX_STORED_PROPERTIES_BYTES,
  StoredPropertiesLimitError,
  validateCollection,
  validateRecipientId,
  validateUserId,
  type FieldError,
  type RecipientReference,
} from '@prefs/core';
import type { KeysetPosition } from '@prefs/db';
import { InvalidParams } from './errors';
import type { Listing, QueryReader } from './page-query';

/** What the routes of users and objects share: ids, collections, their listing's cursors, `include[]`, the stored limits. */

/** A recipient id of the path (a user's or an object's: the same rules), or a 422 naming `field`. */
export function checkRecipientId(id: string, field: string): void {
  const error = validateUserId(id, field);
  if (error) throw new InvalidParams([error]);
}

/** An object collection of the path, or a 422 naming `collection` (also for a reserved `$` name). */
export function checkCollection(collection: string): string {
  const checked = validateCollection(collection, 'collection');
  if (!checked.ok) throw new InvalidParams(checked.errors);
  return checked.value;
}

/** The object a path names by `:collection` and its `idField`, or one 422 naming each bad part. */
export function objectOfPath(params: Record<string, string>, idField: string): RecipientReference {
  const collection = validateCollection(params.collection, 'collection');
  const id = validateRecipientId(params[idField], idField);
  if (collection.ok && id.ok) return { collection: collection.value, id: id.value };
  const errors: FieldError[] = [...(collection.ok ? [] : collection.errors), ...(id.ok ? [] : id.errors)];
  throw new InvalidParams(errors);
}

/** A write that would grow the stored properties past their limits is a 422, like any bad body. */
export async function withinStoredLimits<T>(what: 'user' | 'object', write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!(error instanceof StoredPropertiesLimitError)) throw error;
    throw new InvalidParams([
      { field: 'body', message: `a ${what} may hold at most ${MAX_STORED_PROPERTIES} properties and ${MAX_STORED_PROPERTIES_BYTES} bytes of them; remove some (set them to null) first`, type: 'too_large' },
    ]);
  }
}

/** Users and objects page by (created_at, id). */
export const RECIPIENTS: Listing<KeysetPosition> = {
  // An id of 255 characters of up to 4 UTF-8 bytes each, JSON-escaped, in base64: well under 4,096.
  cursorMaxLength: 4096,
  isId: (id) => validateUserId(id) === null,
  backward: true,
  position: (at, id) => ({ at, id }),
  at: (position) => position.at,
};

/** `include[]=preferences` (as Knock's SDK sends it; `include=preferences` too): each entry with its default set. */
export function includesPreferences(query: Record<string, unknown>, reader: QueryReader): boolean {
  const values = [query['include[]'], query.include].flat().filter((value) => value !== undefined);
  if (values.some((value) => value !== 'preferences')) {
    reader.refuse({ field: 'include', message: 'include may only name preferences', type: 'isIn' });
  }
  return values.length > 0;
}
