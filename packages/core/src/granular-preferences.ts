import { checkKeys, type FieldError, type Validated } from './field-errors';
import { isPlainObject, typeName } from './json';
import { validatePutPreferences, type PreferenceSetInput } from './validation';

/**
 * Knock's granular preference PUTs (`.../preferences/:id/channel_types`, `/channel_types/:type`,
 * `/workflows`, `/workflows/:key`, `/categories`, `/categories/:key`; deprecated in Knock's document,
 * still sent by its browser SDK's `setChannelTypes`, `setWorkflow` and the like): each body is turned
 * into the merge of one set at its key, so it is validated and written by the one path of a set's PUT.
 */

export const GRANULAR_FIELDS = ['channel_types', 'workflows', 'categories'] as const;
export type GranularField = (typeof GRANULAR_FIELDS)[number];

function refused(field: string, message: string, type: string): Validated<PreferenceSetInput> {
  return { ok: false, errors: [{ field, message, type }] };
}

/** `{ "subscribed": <boolean> }`, what the SDK sends for a boolean; null when the body is something else. */
function subscribedOf(body: Record<string, unknown>, errors: FieldError[]): boolean | null {
  if (!('subscribed' in body)) return null;
  checkKeys(body, ['subscribed'], '', errors);
  if (typeof body.subscribed !== 'boolean') {
    errors.push({ field: 'subscribed', message: `subscribed must be a boolean, got ${typeName(body.subscribed)}`, type: 'isBoolean' });
  }
  return body.subscribed === true;
}

/**
 * The merge a granular PUT stands for. `key` absent: the body is a whole map (of channel types, of
 * workflows or of categories) merged into the set's. `key` given: a channel type gets `{ subscribed }`; a
 * workflow or category gets `{ subscribed }` (a boolean) or a setting object (`channel_types`,
 * `channels`, `conditions`). Fields are named as in a set's PUT (`preferences.workflows.<key>...`).
 */
export function validateGranularPreferences(field: GranularField, key: string | undefined, body: unknown): Validated<PreferenceSetInput> {
  if (!isPlainObject(body)) return refused('body', `the body must be a JSON object, got ${typeName(body)}`, 'invalid_type');
  if (key === undefined) return validatePutPreferences({ __persistence_strategy__: 'merge', [field]: body });

  const errors: FieldError[] = [];
  const subscribed = subscribedOf(body, errors);
  if (errors.length > 0) return { ok: false, errors };
  if (field === 'channel_types' && subscribed === null) {
    return refused('subscribed', 'subscribed is required: a channel type is set to { "subscribed": true | false }', 'required');
  }
  return validatePutPreferences({ __persistence_strategy__: 'merge', [field]: { [key]: subscribed ?? body } });
}
