import {
  MAX_STORED_PROPERTIES,
  MAX_STORED_PROPERTIES_BYTES,
  StoredPropertiesLimitError,
  userRecipient,
  validateCollection,
  validateRecipientId,
  validateSetId,
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

/**
 * Where a recipient's sub-resources (preference sets, channel data) are mounted: one router serves every
 * kind of recipient, `recipientOf` reading who it is from the path (a 422 naming each bad part).
 */
export interface RecipientPath {
  /** The route prefix, in Express's syntax. */
  prefix: string;
  recipientOf: (params: Record<string, string>) => RecipientReference;
}

export const USER_PATH: RecipientPath = {
  prefix: '/users/:user_id',
  recipientOf: (params) => {
    const id = validateRecipientId(params.user_id, 'user_id');
    if (!id.ok) throw new InvalidParams(id.errors);
    return userRecipient(id.value);
  },
};

export const OBJECT_PATH: RecipientPath = {
  prefix: '/objects/:collection/:object_id',
  recipientOf: (params) => objectOfPath(params, 'object_id'),
};

/** Users' and objects' paths, as Knock's document mounts a recipient's sub-resources. */
export const RECIPIENT_PATHS: readonly RecipientPath[] = [USER_PATH, OBJECT_PATH];

/** The recipient and the preference set (`:id`) a path names, or one 422 naming every bad part. */
export function setOfPath(path: RecipientPath, params: Record<string, string>): { recipient: RecipientReference; setId: string } {
  const errors: FieldError[] = [];
  let recipient: RecipientReference | null = null;
  try {
    recipient = path.recipientOf(params);
  } catch (error) {
    if (!(error instanceof InvalidParams)) throw error;
    errors.push(...error.errors);
  }
  const setError = validateSetId(params.id);
  if (setError) errors.push(setError);
  if (recipient === null || errors.length > 0) throw new InvalidParams(errors);
  return { recipient, setId: params.id };
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
