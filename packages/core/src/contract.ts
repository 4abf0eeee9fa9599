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
export const BULK_OPERATION_NAMES = {
  setPreferences: 'users.set_preferences',
  setTenants: 'tenants.set',
  identifyUsers: 'users.identify',
  deleteUsers: 'users.delete',
  setObjects: 'objects.set',
  deleteObjects: 'objects.delete',
  addSubscriptions: 'objects.add_subscriptions',
  deleteSubscriptions: 'objects.delete_subscriptions',
  deleteTenants: 'tenants.delete',
} as const;
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

/** What one recipient may store (limits-and-costs: storage per recipient is bounded). */
export const PREFERENCE_SET_LIMITS = {
  /**
   * Bytes of one stored set as PostgreSQL holds it (jsonb, the `preference_sets_size` trigger), and of a
   * request's preference document as JSON text: the merge's cost in PostgreSQL grows with the patch.
   */
  bytes: 64 * 1024,
  /**
   * Bytes a set may reach through unsubscribes alone (one-click): consent is never refused for size, so an
   * opt-out into a nearly full set is stored past `bytes`, up to this (the `preference_sets_size` trigger).
   */
  optOutBytes: 80 * 1024,
  /** Preference sets of one recipient, by default (`PREFERENCE_SETS_PER_RECIPIENT`). */
  perRecipient: 1000,
} as const;

/** The error code, and field error type, of a write that would store a set over `PREFERENCE_SET_LIMITS.bytes`. */
export const PREFERENCE_SET_TOO_LARGE = 'preference_set_too_large';

export const MAX_ID_LENGTH = LIMITS.idLength;

/**
 * Text longer than this (in UTF-16 units; numbers and timestamps are ASCII) is never read as a number or
 * a timestamp by a condition: it compares as text. No real number or ISO-8601 timestamp is longer, and
 * parsing a stored 100,000-digit property on every evaluation would cost for nothing.
 */
export const MAX_CONDITION_PARSED_TEXT_LENGTH = 100;
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
 * - A channel id is a UUID, in either case (as are the ids this service makes).
 */
export const PATTERNS = {
  idText: '^[^\\u0000-\\u001f\\u007f\\p{Cs}]*$',
  storableText: '^[^\\u0000\\p{Cs}]*$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  /** An object collection's name (1 to `LIMITS.idLength` of them); `$` starts only the service's own. */
  collection: '^[A-Za-z0-9_.-]*$',
} as const;

export const ID_TEXT = new RegExp(PATTERNS.idText, 'u');
export const STORABLE_TEXT = new RegExp(PATTERNS.storableText, 'u');
/** A UUID in either case: channel ids, and the ids of operations, unsubscribes and link secrets. */
export const UUID = new RegExp(PATTERNS.uuid, 'u');
export const CHANNEL_ID = UUID;

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

/** Printable ASCII within the length limit: what nearly every id is, and always valid id text. */
const PRINTABLE_ASCII_ID = new RegExp(`^[\\x20-\\x7e]{1,${LIMITS.idLength}}$`);

/** An id or map key: 1 to `LIMITS.idLength` code points of id text. */
export function isIdText(text: string): boolean {
  // The fast path decides 1,000 ids of a bulk body in a tenth of the time; anything else is checked in full.
  if (PRINTABLE_ASCII_ID.test(text)) return true;
  const length = codePointLength(text);
  return length >= 1 && length <= LIMITS.idLength && ID_TEXT.test(text);
}

export function isReservedKey(text: string): boolean {
  return (RESERVED_KEYS as readonly string[]).includes(text);
}

// ---------------------------------------------------------------------------------------------------
// Tenants, users, evaluation and the preference center

/** Custom properties of one tenant or user (the keys beside the known fields). */
export const PROPERTY_LIMITS = {
  /** Custom properties of one request, at the top level. */
  perRequest: 100,
  /** Serialized size of one request's custom properties, in bytes of JSON. */
  requestBytes: 32 * 1024,
  /** Objects and arrays nested inside one property value. */
  depth: 8,
  keyLength: 255,
  /** What one stored record may accumulate over many merges (end users identify themselves too). */
  stored: 500,
  storedBytes: 128 * 1024,
} as const;
export const MAX_PROPERTIES = PROPERTY_LIMITS.perRequest;
export const MAX_PROPERTIES_BYTES = PROPERTY_LIMITS.requestBytes;
export const MAX_PROPERTY_DEPTH = PROPERTY_LIMITS.depth;
export const MAX_PROPERTY_KEY_LENGTH = PROPERTY_LIMITS.keyLength;
export const MAX_STORED_PROPERTIES = PROPERTY_LIMITS.stored;
export const MAX_STORED_PROPERTIES_BYTES = PROPERTY_LIMITS.storedBytes;
/** Custom property keys starting with this are the service's own (`__typename`, `__strategy__`). */
export const RESERVED_PROPERTY_PREFIX = '__';

/** The top-level fields of a tenant body that are not custom properties, and those refused. */
export const TENANT_FIELDS = ['id', 'name', 'settings'] as const;
/** Inline fields a body may not carry where prefs does not write them yet (objects' set): refused, never kept as properties. */
export const UNSUPPORTED_ENTITY_FIELDS = ['channel_data', 'preferences'] as const;
export const TENANT_READ_ONLY_FIELDS = ['created_at', 'updated_at'] as const;
export const MAX_TENANT_NAME_LENGTH = 255;
export const BRANDING_URL_FIELDS = ['icon_url', 'logo_url', 'dark_icon_url', 'dark_logo_url'] as const;
export const BRANDING_COLOR_FIELDS = ['primary_color', 'primary_color_contrast', 'dark_primary_color', 'dark_primary_color_contrast'] as const;
export const BRANDING_FIELDS = [...BRANDING_URL_FIELDS, ...BRANDING_COLOR_FIELDS] as const;
export const MAX_URL_LENGTH = 2048;

/** The fields of a user body that are not custom properties (the known string properties below are). */
export const USER_FIELDS = ['id', 'created_at'] as const;
export const USER_READ_ONLY_FIELDS = ['updated_at'] as const;
/** Known user properties: each a string or null, of at most this many code points. */
export const USER_STRING_PROPERTIES: Readonly<Record<string, number>> = {
  name: 255,
  email: 320,
  phone_number: 64,
  locale: 35,
  timezone: 64,
  avatar: 2048,
};
export const USER_KNOWN_PROPERTIES = Object.keys(USER_STRING_PROPERTIES);
/** Knock's known object properties (SetObjectRequest): each a string or null, with the users' limits. */
export const OBJECT_STRING_PROPERTIES: Readonly<Record<string, number>> = {
  name: USER_STRING_PROPERTIES.name,
  locale: USER_STRING_PROPERTIES.locale,
  timezone: USER_STRING_PROPERTIES.timezone,
};
/** An object's collection and id come from the path; `collection` in a body would shadow it. */
export const OBJECT_READ_ONLY_FIELDS = ['updated_at', 'collection'] as const;

/** A tenant's set may mark an entry `"__strategy__": "replace"` (or null, removing the marker in a merge). */
export const STRATEGY_MARKER = '__strategy__';
export const ENTRY_STRATEGIES = ['replace'] as const;
/** A tenant's set merges unless the request asks to replace it (Knock's behaviour). */
export const DEFAULT_TENANT_PERSISTENCE_STRATEGY: PersistenceStrategy = 'merge';

/** Items of a bulk tenants set or users identify body. */
export const MAX_BULK_ITEMS = LIMITS.bulkUsers;
export const MAX_EVALUATION_RECIPIENTS = LIMITS.bulkUsers;
/**
 * Subscriptions (recipients.md section 3): recipients of one add or delete on an object (Knock's 100), and
 * entries (one subscribed-to object each, with its recipients) of one bulk call.
 */
export const SUBSCRIPTION_LIMITS = { recipientsPerCall: 100, bulkEntries: LIMITS.bulkUsers } as const;
/** Entries of an evaluation's `workflow.categories`. */
export const MAX_WORKFLOW_CATEGORIES = 50;
export const EVALUATION_FIELDS = ['recipients', 'workflow', 'channel', 'tenant', 'data', 'actor'] as const;
export const EVALUATION_WORKFLOW_FIELDS = ['key', 'categories', 'commercial', 'override_preferences'] as const;
export const EVALUATION_CHANNEL_FIELDS = ['type', 'id'] as const;

/** The preference center's layout, and the fields of the links request. */
export const LAYOUT_LIMITS = { rows: 100, titleLength: 200, descriptionLength: 2000 } as const;
export const MAX_LAYOUT_ROWS = LAYOUT_LIMITS.rows;
export const LAYOUT_FIELDS = ['title', 'description', 'rows'] as const;
export const LAYOUT_ROW_FIELDS = ['key', 'label', 'description', 'channel_types'] as const;
export const LINK_REQUEST_FIELDS = ['scope', 'tenant'] as const;
/** The document fields a layout row (or, without `channels`, an unsubscribe scope) names: `<field>.<key>`. */
export const ROW_KEY_FIELDS = ['categories', 'workflows'] as const;

/** More character rules, as ECMAScript patterns for the `u` flag. */
export const ENTITY_PATTERNS = {
  /**
   * What an http(s) URL starts with, without control characters; the validator also parses it as a browser
   * does (WHATWG URL) and requires a host, which no pattern says exactly.
   */
  httpUrl: '^ *[Hh][Tt][Tt][Pp][Ss]?:[^\\u0000-\\u001f\\u007f\\p{Cs}]+$',
  /** A colour as `#rrggbb`. */
  color: '^#[0-9a-fA-F]{6}$',
  /** An ISO-8601 timestamp with a zone (`created_at`); the validator also requires a real date. */
  timestamp: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:?\\d{2})$',
  /** Free text with something besides white space (a title, a label). */
  // Leading white space, then the first other character: one way to split any text, so linear time.
  nonBlankText: '^\\s*[^\\u0000\\p{Cs}\\s][^\\u0000\\p{Cs}]*$',
} as const;
export const COLOR = new RegExp(ENTITY_PATTERNS.color, 'u');
export const ISO_TIMESTAMP = new RegExp(ENTITY_PATTERNS.timestamp, 'u');
