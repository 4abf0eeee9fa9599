import { bodyIdOf, isPlainObject, typeName, validateCustomProperties, type JsonValue } from './custom-properties';
import { codePointLength, ISO_TIMESTAMP, OBJECT_READ_ONLY_FIELDS, OBJECT_STRING_PROPERTIES, UNSUPPORTED_ENTITY_FIELDS, USER_FIELDS, USER_READ_ONLY_FIELDS, USER_STRING_PROPERTIES } from './contract';
import { INLINE_FIELDS, validateInlineRecipientData, type InlineRecipientData } from './inline-recipient-data';
import { validateUserId } from './validation';
import type { FieldError, Validated } from './field-errors';

/**
 * The body of `PUT /v1/users/:id` (Knock's identify, and one item of a bulk identify) and of
 * `PUT /v1/objects/:collection/:id` (Knock's set object, and one item of a bulk set): the known
 * properties of the recipient's kind and custom ones, all kept in one properties object that merges into
 * the stored recipient. `{}` is valid (the browser SDK sends it on every authenticate). A property set to
 * null is removed.
 */

export interface RecipientInput extends InlineRecipientData {
  id: string;
  /** Properties to merge into the stored ones (a null removes one). */
  properties: Record<string, JsonValue>;
  /** When the recipient was created in the sender's system (Knock's `created_at`), when sent. */
  createdAt?: string;
}
export type UserInput = RecipientInput;
export type ObjectInput = RecipientInput;

/** What differs between the bodies of users and objects: their known string properties and read-only fields. */
interface RecipientBody {
  what: 'user' | 'object';
  stringProperties: Readonly<Record<string, number>>;
  readOnlyFields: readonly string[];
  /** Whether its writer stores inline `preferences` and `channel_data` (else they are refused, never dropped). */
  inline: boolean;
}
const USER_BODY: RecipientBody = { what: 'user', stringProperties: USER_STRING_PROPERTIES, readOnlyFields: USER_READ_ONLY_FIELDS, inline: true };
// Objects' set does not write inline data yet (db's writeRecipients does, once setObject calls it).
const OBJECT_BODY: RecipientBody = { what: 'object', stringProperties: OBJECT_STRING_PROPERTIES, readOnlyFields: OBJECT_READ_ONLY_FIELDS, inline: false };

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates an identify body. `pathId`: the id from the URL (a body `id` must then match it); without it
 * (a bulk item) the body must carry its `id`. `path` prefixes every field name (`users.3`).
 */
export function validateUserInput(body: unknown, pathId: string | null, path = ''): Validated<UserInput> {
  return validateRecipientInput(body, pathId, path, USER_BODY);
}

/** Validates a set-object body, as `validateUserInput` does an identify body (`objects.3` in a bulk set). */
export function validateObjectInput(body: unknown, pathId: string | null, path = ''): Validated<ObjectInput> {
  return validateRecipientInput(body, pathId, path, OBJECT_BODY);
}

function validateRecipientInput(body: unknown, pathId: string | null, path: string, kind: RecipientBody): Validated<RecipientInput> {
  const errors: FieldError[] = [];
  const prefix = path ? `${path}.` : '';
  const field = (name: string) => `${prefix}${name}`;
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: path || 'body', message: `${path || 'the body'} must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }

  const id = bodyIdOf(body, pathId, field('id'), kind.what, (candidate) => validateUserId(candidate) === null, errors);

  let createdAt: string | undefined;
  if ('created_at' in body && body.created_at !== null) {
    const value = body.created_at;
    if (typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))) {
      createdAt = new Date(value).toISOString();
    } else {
      errors.push({ field: field('created_at'), message: `${field('created_at')} must be an ISO-8601 timestamp`, type: 'isISO8601' });
    }
  }

  const inline = kind.inline ? validateInlineRecipientData(body, prefix, 'any', errors) : {};
  const properties: [string, unknown][] = [];
  for (const key of Object.keys(body)) {
    if ((USER_FIELDS as readonly string[]).includes(key)) continue;
    if (kind.inline && (INLINE_FIELDS as readonly string[]).includes(key)) continue;
    const value = body[key];
    if ((UNSUPPORTED_ENTITY_FIELDS as readonly string[]).includes(key)) {
      errors.push({ field: field(key), message: `${field(key)} is not supported by this service`, type: 'unsupported_field' });
      continue;
    }
    if (kind.readOnlyFields.includes(key)) {
      errors.push({ field: field(key), message: `${field(key)} is set by the service and cannot be written`, type: 'read_only' });
      continue;
    }
    const maxLength = Object.hasOwn(kind.stringProperties, key) ? kind.stringProperties[key] : undefined;
    if (maxLength !== undefined && value !== null && (typeof value !== 'string' || codePointLength(value) > maxLength)) {
      errors.push({ field: field(key), message: `${field(key)} must be a string of at most ${maxLength} characters, or null`, type: 'invalid_value' });
      continue;
    }
    if (key === 'timezone' && typeof value === 'string' && !isTimeZone(value)) {
      errors.push({ field: field(key), message: `${field(key)} must be an IANA time zone such as Europe/Paris`, type: 'isTimeZone' });
      continue;
    }
    properties.push([key, value]);
  }
  // `fromEntries` keeps a `__proto__` key as a key (assignment would set the prototype), so it is refused.
  const checked = validateCustomProperties(Object.fromEntries(properties), path, errors);
  if (errors.length > 0 || checked === null || id === null) return { ok: false, errors };
  return { ok: true, value: { id, properties: checked, ...(createdAt === undefined ? {} : { createdAt }), ...inline } };
}

/** The body of `POST /v1/users/:id/merge`: `{ from_user_id }`, another user than `targetId`. */
export function validateMergeUserRequest(body: unknown, targetId: string): Validated<string> {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (key !== 'from_user_id') errors.push({ field: key, message: `${key} is not a known field`, type: 'unknown_field' });
  }
  const from = body.from_user_id;
  if (typeof from !== 'string') {
    errors.push({ field: 'from_user_id', message: 'from_user_id is required: the id of the user to merge from', type: 'required' });
    return { ok: false, errors };
  }
  const idError = validateUserId(from, 'from_user_id');
  if (idError) errors.push(idError);
  else if (from === targetId) errors.push({ field: 'from_user_id', message: 'from_user_id must be another user than the one merged into', type: 'invalid_value' });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: from };
}
