import { SUBSCRIPTION_LIMITS } from './contract';
import { validateCustomProperties, type JsonValue } from './custom-properties';
import { checkKeys, type FieldError, type Validated } from './field-errors';
import { isPlainObject, typeName } from './json';
import { toObjectResource, type ObjectRecord } from './object';
import { userRecipient, USERS_COLLECTION, validateRecipientId, validateRecipientReference, type RecipientReference } from './recipient-reference';
import { toUserResource, type RecipientRecord } from './user';
import { validateUserInput, type UserInput } from './user-input';

/**
 * Knock's subscriptions: a recipient (user or object) subscribed to an object, with the relationship's own
 * properties. The bodies of add and delete on one object and of their bulk forms, and the answer's shape.
 * Recipients are Knock's RecipientRequest (add: a user id, an inline user `{ id, ...properties }`, or an
 * object `{ id, collection }`) or RecipientReference (delete: a user id or `{ id, collection }`).
 */

export const MAX_SUBSCRIPTION_RECIPIENTS = SUBSCRIPTION_LIMITS.recipientsPerCall;
export const MAX_BULK_SUBSCRIPTION_ENTRIES = SUBSCRIPTION_LIMITS.bulkEntries;
/** A bulk body with thousands of bad recipients is answered with the first of them, not all. */
const MAX_REPORTED_ERRORS = 100;

export interface AddSubscriptionsInput {
  /** Distinct, in the order first sent. */
  recipients: RecipientReference[];
  /** Users sent inline, identified (their properties merged) before they are subscribed; in request order. */
  identify: UserInput[];
  /** The subscription's properties: they replace those of an existing subscription. */
  properties: Record<string, JsonValue> | null;
}

/** One entry of a bulk add: the subscribed-to object's id (in the path's collection) and its subscribers. */
export interface BulkAddSubscriptionsEntry extends AddSubscriptionsInput {
  id: string;
}

/** One entry of a bulk delete. */
export interface BulkDeleteSubscriptionsEntry {
  id: string;
  recipients: RecipientReference[];
}

const referenceKey = (recipient: RecipientReference) => `${recipient.collection}\n${recipient.id}`;
const sameRecipient = (a: RecipientReference, b: RecipientReference) => a.collection === b.collection && a.id === b.id;

function bodyObject(body: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  if (isPlainObject(body)) return { ok: true, value: body };
  return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
}

/** `recipients`: an array of 1 to 100 items, each read by `item` (null for a bad one, reported in `out`). */
function validateRecipientList<T extends { recipient: RecipientReference }>(
  value: unknown,
  field: string,
  out: FieldError[],
  item: (entry: unknown, path: string) => T | null,
): T[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_SUBSCRIPTION_RECIPIENTS) {
    const got = Array.isArray(value) ? `${value.length} recipients` : typeName(value);
    out.push({ field, message: `${field} must be an array of 1 to ${MAX_SUBSCRIPTION_RECIPIENTS} recipients, got ${got}`, type: 'invalid_value' });
    return [];
  }
  return value.flatMap((entry, index) => {
    const read = item(entry, `${field}.${index}`);
    return read === null ? [] : [read];
  });
}

/** One RecipientRequest of an add: a user id, an inline user, or an object reference. */
function readRecipientRequest(value: unknown, field: string, object: RecipientReference | null, out: FieldError[]): { recipient: RecipientReference; identify: UserInput | null } | null {
  let read: { recipient: RecipientReference; identify: UserInput | null } | null = null;
  if (isPlainObject(value) && !('collection' in value)) {
    const user = validateUserInput(value, null, field);
    if (!user.ok) out.push(...user.errors);
    else read = { recipient: userRecipient(user.value.id), identify: user.value };
  } else {
    if (isPlainObject(value)) {
      // An object sent with more than its reference would be an inline identification of it.
      for (const key of Object.keys(value)) {
        if (key !== 'id' && key !== 'collection') out.push({ field: `${field}.${key}`, message: `${field}.${key}: objects are subscribed by reference { id, collection }`, type: 'unsupported_field' });
      }
      value = { id: value.id, collection: value.collection };
    }
    const reference = validateRecipientReference(value, field);
    if (!reference.ok) out.push(...reference.errors);
    else read = { recipient: reference.value, identify: null };
  }
  if (read !== null && object !== null && sameRecipient(read.recipient, object)) {
    out.push({ field, message: `${field} is the object itself: an object cannot subscribe to itself`, type: 'self_subscription' });
    return null;
  }
  return read;
}

function readProperties(value: unknown, field: string, out: FieldError[]): Record<string, JsonValue> | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    out.push({ field, message: `${field} must be an object or null, got ${typeName(value)}`, type: 'invalid_type' });
    return null;
  }
  return validateCustomProperties(value, field, out);
}

/** `{ recipients, properties? }` at `path` (an add on `object`, or one bulk entry). */
function readAddition(body: Record<string, unknown>, path: string, object: RecipientReference | null, out: FieldError[]): AddSubscriptionsInput {
  const prefix = path ? `${path}.` : '';
  const read = validateRecipientList(body.recipients, `${prefix}recipients`, out, (entry, field) => readRecipientRequest(entry, field, object, out));
  const recipients = new Map<string, RecipientReference>();
  for (const { recipient } of read) if (!recipients.has(referenceKey(recipient))) recipients.set(referenceKey(recipient), recipient);
  const identify = read.flatMap((entry) => (entry.identify === null ? [] : [entry.identify]));
  return { recipients: [...recipients.values()], identify, properties: readProperties(body.properties, `${prefix}properties`, out) };
}

function readRemoval(body: Record<string, unknown>, path: string, out: FieldError[]): RecipientReference[] {
  const prefix = path ? `${path}.` : '';
  const read = validateRecipientList(body.recipients, `${prefix}recipients`, out, (entry, field) => {
    const reference = validateRecipientReference(entry, field);
    if (!reference.ok) out.push(...reference.errors);
    return reference.ok ? { recipient: reference.value } : null;
  });
  const recipients = new Map(read.map(({ recipient }) => [referenceKey(recipient), recipient]));
  return [...recipients.values()];
}

const settled = <T>(value: T, errors: FieldError[]): Validated<T> => (errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_REPORTED_ERRORS) } : { ok: true, value });

/** The body of `POST /v1/objects/:collection/:id/subscriptions`, subscribing to `object`. */
export function validateAddSubscriptionsRequest(body: unknown, object: RecipientReference): Validated<AddSubscriptionsInput> {
  const checked = bodyObject(body);
  if (!checked.ok) return checked;
  const errors: FieldError[] = [];
  checkKeys(checked.value, ['recipients', 'properties'], '', errors);
  return settled(readAddition(checked.value, '', object, errors), errors);
}

/** The body of `DELETE /v1/objects/:collection/:id/subscriptions`. */
export function validateDeleteSubscriptionsRequest(body: unknown): Validated<RecipientReference[]> {
  const checked = bodyObject(body);
  if (!checked.ok) return checked;
  const errors: FieldError[] = [];
  checkKeys(checked.value, ['recipients'], '', errors);
  return settled(readRemoval(checked.value, '', errors), errors);
}

/** `subscriptions`: 1 to 1,000 entries `{ id, ... }` of objects in `collection`, each read by `entry`. */
function readBulkEntries<T>(body: unknown, fields: string[], read: (entry: Record<string, unknown>, path: string, id: string, out: FieldError[]) => T): Validated<T[]> {
  const checked = bodyObject(body);
  if (!checked.ok) return checked;
  const errors: FieldError[] = [];
  checkKeys(checked.value, ['subscriptions'], '', errors);
  const entries = checked.value.subscriptions;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_BULK_SUBSCRIPTION_ENTRIES) {
    errors.push({ field: 'subscriptions', message: `subscriptions must be an array of 1 to ${MAX_BULK_SUBSCRIPTION_ENTRIES} entries { id, recipients }`, type: 'invalid_value' });
    return settled([], errors);
  }
  const result: T[] = [];
  entries.forEach((entry, index) => {
    const path = `subscriptions.${index}`;
    if (errors.length >= MAX_REPORTED_ERRORS) return;
    if (!isPlainObject(entry)) {
      errors.push({ field: path, message: `${path} must be an object { id, recipients }, got ${typeName(entry)}`, type: 'invalid_type' });
      return;
    }
    checkKeys(entry, fields, path, errors);
    const id = validateRecipientId(entry.id, `${path}.id`);
    if (!id.ok) {
      errors.push(...id.errors);
      return;
    }
    result.push(read(entry, path, id.value, errors));
  });
  return settled(result, errors);
}

/** The body of `POST /v1/objects/:collection/bulk/subscriptions/add`. */
export function validateBulkAddSubscriptions(body: unknown, collection: string): Validated<BulkAddSubscriptionsEntry[]> {
  return readBulkEntries(body, ['id', 'recipients', 'properties'], (entry, path, id, out) => ({ id, ...readAddition(entry, path, { collection, id }, out) }));
}

/** The body of `POST /v1/objects/:collection/bulk/subscriptions/delete`. */
export function validateBulkDeleteSubscriptions(body: unknown): Validated<BulkDeleteSubscriptionsEntry[]> {
  return readBulkEntries(body, ['id', 'recipients'], (entry, path, id, out) => ({ id, recipients: readRemoval(entry, path, out) }));
}

/** A stored subscription with both ends as stored: the recipient a user (collection `$users`) or an object. */
export interface SubscriptionRecord {
  object: ObjectRecord;
  recipient: RecipientRecord & RecipientReference;
  properties: Record<string, JsonValue> | null;
  insertedAt: string;
  updatedAt: string;
}

/** Knock's Recipient: a User or an Object. */
function toRecipientResource(recipient: RecipientRecord & RecipientReference) {
  return recipient.collection === USERS_COLLECTION ? toUserResource(recipient) : toObjectResource(recipient);
}

/** Knock's Subscription: the object and the recipient embedded whole. */
export function toSubscriptionResource(record: SubscriptionRecord) {
  return {
    __typename: 'Subscription' as const,
    object: toObjectResource(record.object),
    recipient: toRecipientResource(record.recipient),
    properties: record.properties,
    inserted_at: record.insertedAt,
    updated_at: record.updatedAt,
  };
}
