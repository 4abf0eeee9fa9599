/**
 * The API's contract as data: every limit, enum and character rule, written once. The validators
 * (`validation.ts`) and the JSON Schemas of the OpenAPI document (`request-schemas.ts`) are both derived
 * from what is here, and a contract test holds them to the same answer for every request.
 */

export const CHANNEL_TYPES = ['chat', 'email', 'http', 'in_app_feed', 'push', 'sms'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CONDITION_OPERATORS = [
  'equal_to',
  'not_equal_to',
  'greater_than',
  'less_than',
  'greater_than_or_equal_to',
  'less_than_or_equal_to',
  'contains',
  'not_contains',
  'empty',
  'not_empty',
  'exists',
  'not_exists',
  'contains_all',
  'not_contains_all',
  'is_timestamp',
  'is_not_timestamp',
  'is_timestamp_on_or_after',
  'is_timestamp_before',
  'is_timestamp_on_or_after_date',
  'is_timestamp_before_date',
  'is_timestamp_between',
  'is_between',
  'is_audience_member',
  'is_not_audience_member',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export const PERSISTENCE_STRATEGIES = ['replace', 'merge'] as const;
export type PersistenceStrategy = (typeof PERSISTENCE_STRATEGIES)[number];
/** What a request without `__persistence_strategy__` (or with null) asks for. */
export const DEFAULT_PERSISTENCE_STRATEGY: PersistenceStrategy = 'replace';

/** The set a request without a set id writes. */
export const DEFAULT_SET_ID = 'default';

export const BULK_OPERATION_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;
export type BulkOperationStatus = (typeof BULK_OPERATION_STATUSES)[number];

/** The `name` of each kind of bulk operation. */
export const BULK_OPERATION_NAMES = { setPreferences: 'users.set_preferences' } as const;
export const SET_PREFERENCES_OPERATION = BULK_OPERATION_NAMES.setPreferences;

/** Lengths are counted in Unicode code points, as JSON Schema's `maxLength` and PostgreSQL's text do. */
export const LIMITS = {
  /** User ids, set ids, and the keys of `categories` and `workflows`. */
  idLength: 255,
  /**
   * Entries of a bulk body's `user_ids`, as sent. Duplicates are accepted and count once, so an
   * operation covers at most this many distinct users (and fewer when ids repeat).
   */
  bulkUsers: 1000,
  /** Entries of one `categories`, `workflows` or `channels` map in a request. */
  mapEntries: 1000,
  /** Conditions of one `conditions` array. */
  conditions: 100,
  conditionVariableLength: 1024,
  conditionArgumentLength: 4096,
  idempotencyKeyLength: 255,
} as const;

export const MAX_ID_LENGTH = LIMITS.idLength;
export const MAX_BULK_USERS = LIMITS.bulkUsers;

/** Keys that would name a prototype rather than a value: refused as map keys and as a body's set id. */
export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * Character rules, as ECMAScript patterns for the `u` flag (JSON Schema's `pattern` is one; Ajv and the
 * validators compile them with it).
 * - An id or a key holds no C0 control character nor DEL (PostgreSQL text cannot hold NUL, and no id is
 *   meant to carry the others), and no unpaired surrogate (valid in a JSON escape but no character: in
 *   jsonb it fails the insert, as text it becomes U+FFFD, so two different ids would become one).
 * - Free text (a condition's variable and argument) may hold anything jsonb stores: no NUL, no unpaired
 *   surrogate.
 * - A channel id is a UUID, in either case.
 */
export const PATTERNS = {
  idText: '^[^\\u0000-\\u001f\\u007f\\p{Cs}]*$',
  storableText: '^[^\\u0000\\p{Cs}]*$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;

export const ID_TEXT = new RegExp(PATTERNS.idText, 'u');
export const STORABLE_TEXT = new RegExp(PATTERNS.storableText, 'u');
export const CHANNEL_ID = new RegExp(PATTERNS.uuid, 'u');

/** The fields of a stored preference set, and what a request may send of them. */
export const DOCUMENT_FIELDS = ['categories', 'workflows', 'channel_types', 'channels', 'commercial_subscribed'] as const;
/** The fields of a category or workflow setting in its object form. */
export const SETTING_FIELDS = ['channel_types', 'channels', 'conditions'] as const;
/** The fields of a condition; all three are required (`argument` may be null). */
export const CONDITION_FIELDS = ['variable', 'operator', 'argument'] as const;
/** The fields of a bulk set-preferences body; both are required. */
export const BULK_SET_PREFERENCES_FIELDS = ['user_ids', 'preferences'] as const;

/** The length of a string in code points (what `LIMITS` counts). */
export function codePointLength(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    length += 1;
  }
  return length;
}

/** An id or map key: 1 to `LIMITS.idLength` code points of id text. */
export function isIdText(text: string): boolean {
  const length = codePointLength(text);
  return length >= 1 && length <= LIMITS.idLength && ID_TEXT.test(text);
}

export function isReservedKey(text: string): boolean {
  return (RESERVED_KEYS as readonly string[]).includes(text);
}
