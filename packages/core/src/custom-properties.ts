import { codePointLength, MAX_ID_LENGTH, MAX_PROPERTIES, MAX_PROPERTIES_BYTES, MAX_PROPERTY_DEPTH, MAX_PROPERTY_KEY_LENGTH, MAX_STORED_PROPERTIES, MAX_STORED_PROPERTIES_BYTES, RESERVED_PROPERTY_PREFIX } from './contract';
import type { FieldError } from './field-errors';
import { isPlainObject, typeName } from './json';

export { isPlainObject, typeName };

/**
 * Custom properties of tenants and users: any JSON, with limits that keep one record small and storable.
 * PostgreSQL's jsonb cannot hold NUL or an unpaired surrogate, so those are refused here, by path, instead
 * of failing the insert; keys starting with `__` are the service's own (`__typename`, `__strategy__`).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /[\u0000]|\p{Cs}/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const KEY_CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]|\p{Cs}/u;
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Text jsonb and PostgreSQL text can hold: no NUL, no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** A property key: 1-255 characters, no control characters, not `__`-prefixed, not a prototype name. */
export function checkPropertyKey(key: string, field: string, out: FieldError[]): boolean {
  const length = codePointLength(key);
  if (length === 0 || length > MAX_PROPERTY_KEY_LENGTH) {
    out.push({ field, message: `property keys must be 1 to ${MAX_PROPERTY_KEY_LENGTH} characters`, type: 'invalid_key' });
    return false;
  }
  if (key.startsWith(RESERVED_PROPERTY_PREFIX)) {
    out.push({ field, message: `property keys starting with "__" are reserved`, type: 'invalid_key' });
    return false;
  }
  if (RESERVED_KEYS.has(key) || KEY_CONTROL_CHARACTERS.test(key)) {
    out.push({ field, message: `${field} is not allowed as a property key`, type: 'invalid_key' });
    return false;
  }
  return true;
}

/** Any JSON value that jsonb can store, nested at most MAX_PROPERTY_DEPTH deep. Reports the first problem. */
function checkValue(value: unknown, field: string, depth: number, out: FieldError[]): boolean {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return true;
    out.push({ field, message: `${field} must be a finite number`, type: 'invalid_value' });
    return false;
  }
  if (typeof value === 'string') {
    if (!UNSTORABLE.test(value)) return true;
    out.push({ field, message: `${field} must not contain NUL characters or unpaired surrogates`, type: 'invalid_value' });
    return false;
  }
  if (depth >= MAX_PROPERTY_DEPTH) {
    out.push({ field, message: `${field} nests more than ${MAX_PROPERTY_DEPTH} levels deep`, type: 'too_deep' });
    return false;
  }
  if (Array.isArray(value)) return value.every((item, index) => checkValue(item, `${field}.${index}`, depth + 1, out));
  if (isPlainObject(value)) {
    return Object.keys(value).every((key) => {
      const keyField = `${field}.${key}`;
      if (RESERVED_KEYS.has(key) || UNSTORABLE.test(key)) {
        out.push({ field: keyField, message: `${keyField} is not allowed as a key`, type: 'invalid_key' });
        return false;
      }
      return checkValue(value[key], keyField, depth + 1, out);
    });
  }
  out.push({ field, message: `${field} must be JSON, got ${typeName(value)}`, type: 'invalid_type' });
  return false;
}

/**
 * Checks custom properties (already separated from the known fields) and returns them, or null when any
 * is bad. A null value is kept: it removes the property when merged into the stored record.
 */
export function validateCustomProperties(
  properties: Record<string, unknown>,
  path: string,
  out: FieldError[],
): Record<string, JsonValue> | null {
  const before = out.length;
  const prefix = path ? `${path}.` : '';
  const keys = Object.keys(properties);
  if (keys.length > MAX_PROPERTIES) {
    out.push({ field: path || 'body', message: `at most ${MAX_PROPERTIES} custom properties, got ${keys.length}`, type: 'too_many_entries' });
    return null;
  }
  for (const key of keys) {
    if (checkPropertyKey(key, `${prefix}${key}`, out)) checkValue(properties[key], `${prefix}${key}`, 0, out);
  }
  if (out.length > before) return null;
  if (Buffer.byteLength(JSON.stringify(properties)) > MAX_PROPERTIES_BYTES) {
    out.push({ field: path || 'body', message: `custom properties may take at most ${MAX_PROPERTIES_BYTES} bytes of JSON`, type: 'too_large' });
    return null;
  }
  return properties as Record<string, JsonValue>;
}

/** A shallow merge of properties: each sent key replaces the stored value, a null removes it. */
export function mergeProperties(
  stored: Record<string, JsonValue>,
  patch: Record<string, JsonValue>,
): Record<string, JsonValue> {
  const result: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!Object.prototype.hasOwnProperty.call(patch, key)) result[key] = value;
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null) result[key] = value;
  }
  return result;
}

/** Thrown by a write whose merged properties would pass the stored limits: the whole write is refused. */
export class StoredPropertiesLimitError extends Error {
  override readonly name = 'StoredPropertiesLimitError';
  constructor(readonly ids: string[]) {
    super(`properties of ${ids.join(', ')} would pass ${MAX_STORED_PROPERTIES} keys or ${MAX_STORED_PROPERTIES_BYTES} bytes of JSON`);
  }
}

/** Whether merged properties stay within what one record may hold. */
export function withinStoredLimits(properties: Record<string, JsonValue>): boolean {
  const keys = Object.keys(properties).length;
  return keys <= MAX_STORED_PROPERTIES && Buffer.byteLength(JSON.stringify(properties)) <= MAX_STORED_PROPERTIES_BYTES;
}

/**
 * The id of a tenant, user or object body: the path's (a body `id` must then match it), or, for a bulk item
 * (`pathId` null), the body's own, which is then required. Null when it is missing or bad (in `out`).
 */
export function bodyIdOf(
  body: Record<string, unknown>,
  pathId: string | null,
  field: string,
  what: 'tenant' | 'user' | 'object',
  isValidId: (id: string) => boolean,
  out: FieldError[],
): string | null {
  if (!('id' in body)) {
    if (pathId === null) out.push({ field, message: `${field} is required`, type: 'isDefined' });
    return pathId;
  }
  const bodyId = body.id;
  if (typeof bodyId !== 'string' || !isValidId(bodyId)) {
    out.push({ field, message: `${field} must be 1 to ${MAX_ID_LENGTH} characters without control characters`, type: 'invalid_value' });
    return pathId;
  }
  if (pathId !== null && bodyId !== pathId) {
    out.push({ field, message: `${field} must match the ${what} id of the path`, type: 'invalid_value' });
    return pathId;
  }
  return bodyId;
}
