import { isIdText, LIMITS, PATTERNS } from './contract';
import type { FieldError, Validated } from './field-errors';
import { isPlainObject, typeName } from './json';

/**
 * Who a preference set, channel data or a subscription belongs to (recipients.md, one model): a user
 * (Knock's `"user_123"`) or an object (`{ id, collection }`). Users are stored under the reserved
 * collection `$users`, so that one key (collection, id) names any recipient in storage and code.
 */

export interface RecipientReference {
  collection: string;
  id: string;
}

/** The collection users are stored under; `$` starts no collection a caller may name. */
export const USERS_COLLECTION = '$users';

/** The collection a tenant's inline channel data is stored under (a tenant is no recipient, but holds channel data). */
export const TENANTS_COLLECTION = '$tenants';

const COLLECTION_NAME = new RegExp(PATTERNS.collection);

/** The reference of the user `id`. */
export function userRecipient(id: string): RecipientReference {
  return { collection: USERS_COLLECTION, id };
}

/**
 * One text naming a recipient, for maps of recipients of any kind: `<collection>/<id>`. A collection never
 * holds `/` (nor does `$users`), so the first `/` ends it and no two recipients share a key.
 */
export function recipientKey(recipient: RecipientReference): string {
  return `${recipient.collection}/${recipient.id}`;
}

export function isUser(recipient: RecipientReference): boolean {
  return recipient.collection === USERS_COLLECTION;
}

/** Validates an object collection's name (a path parameter or a reference's `collection`). */
export function validateCollection(value: unknown, field: string): Validated<string> {
  if (typeof value !== 'string') {
    return { ok: false, errors: [{ field, message: `${field} must be a string, got ${typeName(value)}`, type: 'invalid_type' }] };
  }
  if (value.startsWith('$')) {
    return { ok: false, errors: [{ field, message: `${field} must not start with $: such collections are reserved`, type: 'reserved' }] };
  }
  if (value.length === 0 || value.length > LIMITS.idLength || !COLLECTION_NAME.test(value)) {
    const message = `${field} must be 1 to ${LIMITS.idLength} letters, digits, _, - or .`;
    return { ok: false, errors: [{ field, message, type: 'invalid_value' }] };
  }
  return { ok: true, value };
}

/** Validates a recipient's id (a user's or an object's: the same rules). */
export function validateRecipientId(value: unknown, field: string): Validated<string> {
  if (typeof value === 'string' && isIdText(value)) return { ok: true, value };
  const message = `${field} must be 1 to ${LIMITS.idLength} characters without control characters or unpaired surrogates`;
  return { ok: false, errors: [{ field, message, type: typeof value === 'string' ? 'invalid_value' : 'invalid_type' }] };
}

/** Validates Knock's `RecipientReference`: a user id, or `{ id, collection }` for an object. */
export function validateRecipientReference(value: unknown, field: string): Validated<RecipientReference> {
  if (typeof value === 'string') {
    const id = validateRecipientId(value, field);
    return id.ok ? { ok: true, value: { collection: USERS_COLLECTION, id: id.value } } : id;
  }
  if (!isPlainObject(value)) {
    const message = `${field} must be a user id or an object reference { id, collection }, got ${typeName(value)}`;
    return { ok: false, errors: [{ field, message, type: 'invalid_type' }] };
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'id' && key !== 'collection') errors.push({ field: `${field}.${key}`, message: `${field}.${key} is not a known field`, type: 'unknown_field' });
  }
  const id = validateRecipientId(value.id, `${field}.id`);
  const collection = validateCollection(value.collection, `${field}.collection`);
  if (!id.ok) errors.push(...id.errors);
  if (!collection.ok) errors.push(...collection.errors);
  if (errors.length > 0 || !id.ok || !collection.ok) return { ok: false, errors };
  return { ok: true, value: { collection: collection.value, id: id.value } };
}

/** How a recipient appears in Knock's answers and in `error_items`: `collection` null for a user. */
export function recipientInAnswer(recipient: RecipientReference): { id: string; collection: string | null } {
  return { id: recipient.id, collection: isUser(recipient) ? null : recipient.collection };
}
