import {
  BULK_SET_PREFERENCES_FIELDS,
  CHANNEL_ID,
  CHANNEL_TYPES,
  CONDITION_FIELDS,
  codePointLength,
  DEFAULT_PERSISTENCE_STRATEGY,
  DEFAULT_SET_ID,
  DOCUMENT_FIELDS,
  ID_TEXT,
  isIdText,
  isReservedKey,
  LIMITS,
  PREFERENCE_SET_LIMITS,
  PREFERENCE_SET_TOO_LARGE,
  SETTING_FIELDS,
  type PersistenceStrategy,
} from './contract';
import type { PreferenceDocument } from './preference-set';
import { checkKeys, type FieldError, type Validated } from './field-errors';
import { isPlainObject, typeName } from './json';
import { BulkRequestDto, ConditionDto, ConditionsDto, instanceOf, PreferenceSetOptionsDto, validateWith } from './request-dtos';

/**
 * Validation of preference sets and the bodies that carry them. class-validator checks every fixed-shape
 * object (conditions, the bulk body, the set id and strategy: request-dtos.ts); the maps keyed by user-chosen names (categories, workflows, channels) and the
 * boolean-or-object unions are walked here, so that every error names its field by its full path.
 * Unknown keys are checked before any object is validated, and the DTO instances are built from named
 * fields only (not with class-transformer, which walks every nested value: a deeply nested value overflowed
 * the stack and a `constructor` key made it throw, both answered 500), so a key such as `__proto__` is
 * reported, never assigned.
 *
 * Every limit and rule comes from `contract.ts`; `request-schemas.ts` derives the OpenAPI schemas from the
 * same data, and a contract test requires both to accept and refuse the same requests.
 */

function checkMapKey(key: string, path: string, out: FieldError[]): boolean {
  const field = `${path}.${key}`;
  const length = codePointLength(key);
  if (length === 0 || length > LIMITS.idLength) {
    out.push({ field, message: `keys of ${path} must be 1 to ${LIMITS.idLength} characters`, type: 'invalid_key' });
    return false;
  }
  if (isReservedKey(key)) {
    out.push({ field, message: `"${key}" is reserved and cannot be used as a key of ${path}`, type: 'invalid_key' });
    return false;
  }
  if (!ID_TEXT.test(key)) {
    out.push({ field, message: `keys of ${path} must not contain control characters or unpaired surrogates`, type: 'invalid_key' });
    return false;
  }
  return true;
}

function checkMapSize(value: Record<string, unknown>, path: string, out: FieldError[]): boolean {
  if (Object.keys(value).length > LIMITS.mapEntries) {
    out.push({ field: path, message: `${path} may hold at most ${LIMITS.mapEntries} entries`, type: 'too_many_entries' });
    return false;
  }
  return true;
}

/** `boolean` or `{ conditions: Condition[] }`; null allowed (it removes the key in a merge). */
function validateChannelSetting(value: unknown, path: string, out: FieldError[]): void {
  if (value === null || typeof value === 'boolean') return;
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be a boolean or an object with conditions, got ${typeName(value)}`, type: 'invalid_type' });
    return;
  }
  if (!checkKeys(value, ['conditions'], path, out)) return;
  if (!Array.isArray(value.conditions)) {
    out.push({ field: `${path}.conditions`, message: `${path}.conditions must be an array of conditions`, type: 'invalid_type' });
    return;
  }
  validateConditions(value.conditions, path, out);
}

/** Checks a `conditions` array found at `parentPath.conditions`. */
function validateConditions(conditions: unknown[], parentPath: string, out: FieldError[]): void {
  const path = `${parentPath}.conditions`;
  if (conditions.length > LIMITS.conditions) {
    out.push({ field: path, message: `${path} may hold at most ${LIMITS.conditions} conditions`, type: 'too_many_entries' });
    return;
  }
  let shapesOk = true;
  conditions.forEach((condition, index) => {
    const itemPath = `${path}.${index}`;
    if (!isPlainObject(condition)) {
      out.push({ field: itemPath, message: `${itemPath} must be a condition object, got ${typeName(condition)}`, type: 'invalid_type' });
      shapesOk = false;
    } else if (!checkKeys(condition, CONDITION_FIELDS, itemPath, out)) {
      shapesOk = false;
    }
  });
  // Only objects whose keys are known are validated, each from its three fields.
  if (!shapesOk) return;
  const items = (conditions as Record<string, unknown>[]).map((condition) =>
    instanceOf(ConditionDto, { variable: condition.variable, operator: condition.operator, argument: condition.argument }),
  );
  validateWith(instanceOf(ConditionsDto, { conditions: items }), parentPath, out);
}

function validateChannelTypes(value: unknown, path: string, out: FieldError[]): void {
  if (value === null) return;
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be an object keyed by channel type, got ${typeName(value)}`, type: 'invalid_type' });
    return;
  }
  for (const key of Object.keys(value)) {
    if (!(CHANNEL_TYPES as readonly string[]).includes(key)) {
      out.push({
        field: `${path}.${key}`,
        message: `${path}.${key} is not a channel type; use one of: ${CHANNEL_TYPES.join(', ')}`,
        type: 'unknown_field',
      });
      continue;
    }
    validateChannelSetting(value[key], `${path}.${key}`, out);
  }
}

function validateChannels(value: unknown, path: string, out: FieldError[]): void {
  if (value === null) return;
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be an object keyed by channel id, got ${typeName(value)}`, type: 'invalid_type' });
    return;
  }
  if (!checkMapSize(value, path, out)) return;
  for (const key of Object.keys(value)) {
    if (!CHANNEL_ID.test(key)) {
      out.push({ field: `${path}.${key}`, message: `keys of ${path} must be channel ids (UUIDs)`, type: 'invalid_key' });
      continue;
    }
    validateChannelSetting(value[key], `${path}.${key}`, out);
  }
}

/** A category or workflow setting: a boolean or `{ channel_types?, channels?, conditions? }`. */
function validateSetting(value: unknown, path: string, out: FieldError[]): void {
  if (value === null || typeof value === 'boolean') return;
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be a boolean or a settings object, got ${typeName(value)}`, type: 'invalid_type' });
    return;
  }
  if (!checkKeys(value, SETTING_FIELDS, path, out)) return;
  if ('channel_types' in value) validateChannelTypes(value.channel_types, `${path}.channel_types`, out);
  if ('channels' in value) validateChannels(value.channels, `${path}.channels`, out);
  if ('conditions' in value && value.conditions !== null) {
    if (!Array.isArray(value.conditions)) {
      out.push({ field: `${path}.conditions`, message: `${path}.conditions must be an array of conditions or null`, type: 'invalid_type' });
    } else {
      validateConditions(value.conditions, path, out);
    }
  }
}

function validateSettingsMap(value: unknown, path: string, out: FieldError[]): void {
  if (value === null) return;
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be an object, got ${typeName(value)}`, type: 'invalid_type' });
    return;
  }
  if (!checkMapSize(value, path, out)) return;
  for (const key of Object.keys(value)) {
    if (checkMapKey(key, path, out)) validateSetting(value[key], `${path}.${key}`, out);
  }
}

export interface PreferenceSetInput {
  /** The set id from the body, when it named one. */
  setId: string | undefined;
  strategy: PersistenceStrategy;
  /** The document fields as sent (explicit nulls kept: a merge removes those keys). */
  document: PreferenceDocument;
}

/**
 * Validates a PreferenceSet request body (what PUT takes, and the bulk body's `preferences`).
 * `allowId`: the bulk body may name the set; a PUT takes it from the path.
 */
export function validatePreferenceSetInput(
  value: unknown,
  path: string,
  out: FieldError[],
  allowId: boolean,
): PreferenceSetInput | null {
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be an object, got ${typeName(value)}`, type: 'invalid_type' });
    return null;
  }
  const before = out.length;
  const allowed = [...DOCUMENT_FIELDS, '__persistence_strategy__', ...(allowId ? ['id'] : [])];
  checkKeys(value, allowed, path, out);
  const options: Record<string, unknown> = {};
  if ('__persistence_strategy__' in value) options.__persistence_strategy__ = value.__persistence_strategy__;
  if (allowId && 'id' in value) options.id = value.id;
  validateWith(instanceOf(PreferenceSetOptionsDto, options), path, out);
  if (typeof options.id === 'string' && (!ID_TEXT.test(options.id) || isReservedKey(options.id))) {
    out.push({ field: `${path}.id`, message: `${path}.id must not contain control characters or unpaired surrogates or be a reserved word`, type: 'invalid_value' });
  }

  if ('categories' in value) validateSettingsMap(value.categories, `${path}.categories`, out);
  if ('workflows' in value) validateSettingsMap(value.workflows, `${path}.workflows`, out);
  if ('channel_types' in value) validateChannelTypes(value.channel_types, `${path}.channel_types`, out);
  if ('channels' in value) validateChannels(value.channels, `${path}.channels`, out);
  if ('commercial_subscribed' in value) validateChannelSetting(value.commercial_subscribed, `${path}.commercial_subscribed`, out);
  if (out.length > before) return null;

  const document: Record<string, unknown> = {};
  for (const key of DOCUMENT_FIELDS) {
    if (key in value && value[key] !== undefined) document[key] = value[key];
  }
  const bytes = Buffer.byteLength(JSON.stringify(document));
  if (bytes > PREFERENCE_SET_LIMITS.bytes) {
    out.push({ field: path, message: `${path} is ${bytes} bytes of JSON; a preference set may hold at most ${PREFERENCE_SET_LIMITS.bytes}`, type: PREFERENCE_SET_TOO_LARGE });
    return null;
  }
  return {
    setId: typeof value.id === 'string' ? value.id : undefined,
    strategy: (value.__persistence_strategy__ as PersistenceStrategy | null | undefined) ?? DEFAULT_PERSISTENCE_STRATEGY,
    document: document as PreferenceDocument,
  };
}

export interface BulkSetPreferencesInput {
  /** Distinct user ids, sorted, so that concurrent batches lock rows in one order. */
  userIds: string[];
  setId: string;
  strategy: PersistenceStrategy;
  document: PreferenceDocument;
}


/** Names the first ten bad ids of a `user_ids` list that is otherwise in bounds (its DTO checks the list). */
function checkUserIds(userIds: unknown, errors: FieldError[]): void {
  checkIds(userIds, 'user_ids', errors);
}

/** Each entry of a list of recipient ids (`user_ids`, `object_ids`), the first 10 bad ones named. */
function checkIds(ids: unknown, field: string, errors: FieldError[]): void {
  if (!Array.isArray(ids) || ids.length > LIMITS.bulkUsers) return;
  let reported = 0;
  ids.forEach((id, index) => {
    if (reported >= 10) return;
    if (typeof id !== 'string' || !isIdText(id)) {
      reported += 1;
      errors.push({
        field: `${field}.${index}`,
        message: `${field}.${index} must be a non-empty string of at most ${LIMITS.idLength} characters without control characters or unpaired surrogates`,
        type: 'invalid_value',
      });
    }
  });
}

/**
 * The body of a bulk delete of recipients, `{ <field>: [...] }`: 1 to 1,000 ids; distinct and sorted when
 * valid. `POST /v1/users/bulk/delete` takes `user_ids`, `POST /v1/objects/:collection/bulk/delete` `object_ids`.
 */
function validateBulkDelete(body: unknown, field: 'user_ids' | 'object_ids'): Validated<string[]> {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }
  const errors: FieldError[] = [];
  checkKeys(body, [field], '', errors);
  const ids = body[field];
  if (!Array.isArray(ids)) errors.push({ field, message: `${field} must be an array of ids, got ${typeName(ids)}`, type: 'isArray' });
  else if (ids.length === 0) errors.push({ field, message: `${field} must hold at least 1 id`, type: 'arrayMinSize' });
  else if (ids.length > LIMITS.bulkUsers) errors.push({ field, message: `${field} may hold at most ${LIMITS.bulkUsers} ids`, type: 'arrayMaxSize' });
  checkIds(ids, field, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: [...new Set(ids as string[])].sort() };
}

/** The body of `POST /v1/users/bulk/delete`: `{ user_ids }`. */
export function validateBulkDeleteUsers(body: unknown): Validated<string[]> {
  return validateBulkDelete(body, 'user_ids');
}

/** The body of `POST /v1/objects/:collection/bulk/delete`: `{ object_ids }`. */
export function validateBulkDeleteObjects(body: unknown): Validated<string[]> {
  return validateBulkDelete(body, 'object_ids');
}

export function validateBulkSetPreferences(body: unknown): Validated<BulkSetPreferencesInput> {
  const errors: FieldError[] = [];
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }
  checkKeys(body, BULK_SET_PREFERENCES_FIELDS, '', errors);
  validateWith(instanceOf(BulkRequestDto, { user_ids: body.user_ids, preferences: body.preferences }), '', errors);

  const userIds = body.user_ids;
  checkUserIds(userIds, errors);
  let input: PreferenceSetInput | null = null;
  if (isPlainObject(body.preferences)) input = validatePreferenceSetInput(body.preferences, 'preferences', errors, true);
  if (errors.length > 0 || input === null) return { ok: false, errors };

  const distinct = [...new Set(userIds as string[])].sort();
  return { ok: true, value: { userIds: distinct, setId: input.setId ?? DEFAULT_SET_ID, strategy: input.strategy, document: input.document } };
}

export function validatePutPreferences(body: unknown): Validated<PreferenceSetInput> {
  const errors: FieldError[] = [];
  const input = validatePreferenceSetInput(body, 'preferences', errors, false);
  if (errors.length > 0 || input === null) return { ok: false, errors };
  return { ok: true, value: input };
}

/** Validates a set id (a path's `id`, or whichever `field` holds one), naming that field. */
export function validateSetId(setId: string, field = 'id'): FieldError | null {
  if (!isIdText(setId)) {
    return { field, message: `${field} must be 1 to ${LIMITS.idLength} characters without control characters or unpaired surrogates`, type: 'invalid_value' };
  }
  return null;
}

/** Validates a user id (a path's `user_id`, or whichever `field` holds one), naming that field. */
export function validateUserId(userId: string, field = 'user_id'): FieldError | null {
  if (!isIdText(userId)) {
    return { field, message: `${field} must be 1 to ${LIMITS.idLength} characters without control characters or unpaired surrogates`, type: 'invalid_value' };
  }
  return null;
}
