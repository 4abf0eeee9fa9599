import { isPlainObject, typeName, type FieldError, type Validated } from '@prefs/core';

/**
 * A kind's payload schema: the operation's stored `input` (JSON, written when the operation was
 * recorded) parsed into what its batch writer reads, or the fields that are wrong. As a Documenso job
 * parses its payload before its handler runs, so a writer never meets a malformed input.
 */
export type PayloadSchema<Input> = (stored: unknown) => Validated<Input>;

/** A failed parse naming one field of the stored input. */
export function invalidPayload(field: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ field, message: `${field} ${message}`, type: 'invalid_input' }] };
}

/** The payload of kinds whose keys are all they need (the deletes): an empty input. */
export const EMPTY_PAYLOAD: PayloadSchema<null> = (stored) =>
  stored === null || (typeof stored === 'object' && !Array.isArray(stored) && Object.keys(stored).length === 0) ? { ok: true, value: null } : invalidPayload('input', 'must be empty');

/** The `collection` an objects kind stores in its input (the request's path named it; validated then). */
export function storedCollection(stored: unknown): Validated<string> {
  const collection = isPlainObject(stored) ? stored.collection : stored;
  return typeof collection === 'string' ? { ok: true, value: collection } : invalidPayload('input.collection', `must be a string, got ${typeName(collection)}`);
}
