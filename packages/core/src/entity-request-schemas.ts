import {
  BRANDING_COLOR_FIELDS,
  BRANDING_URL_FIELDS,
  CHANNEL_TYPES,
  DEFAULT_TENANT_PERSISTENCE_STRATEGY,
  ENTITY_PATTERNS,
  ENTRY_STRATEGIES,
  EVALUATION_CHANNEL_FIELDS,
  EVALUATION_FIELDS,
  EVALUATION_WORKFLOW_FIELDS,
  LAYOUT_LIMITS,
  LIMITS,
  LINK_REQUEST_FIELDS,
  DEFAULT_SET_ID,
  PREFERENCE_SET_LIMITS,
  MAX_BULK_ITEMS,
  MAX_EVALUATION_RECIPIENTS,
  MAX_TENANT_NAME_LENGTH,
  MAX_URL_LENGTH,
  MAX_WORKFLOW_CATEGORIES,
  OBJECT_READ_ONLY_FIELDS,
  OBJECT_STRING_PROPERTIES,
  PATTERNS,
  PERSISTENCE_STRATEGIES,
  PROPERTY_LIMITS,
  RESERVED_KEYS,
  RESERVED_PROPERTY_PREFIX,
  ROW_KEY_FIELDS,
  STRATEGY_MARKER,
  TENANT_FIELDS,
  TENANT_READ_ONLY_FIELDS,
  UNSUPPORTED_ENTITY_FIELDS,
  USER_FIELDS,
  USER_READ_ONLY_FIELDS,
  USER_STRING_PROPERTIES,
} from './contract';
import { INLINE_FIELDS } from './inline-recipient-data';
import { idSchema, keySchema, schemaRef, type JsonSchema } from './request-schemas';

/**
 * The request bodies of tenants, users, their bulk operations, the evaluation and the preference center,
 * as JSON Schema (2020-12), derived from `contract.ts` like `REQUEST_SCHEMAS`. The validators say the
 * same; what a schema cannot say (the depth and size of custom properties, IANA time zones, real dates,
 * URLs as a browser parses them, rows named twice) is in the descriptions, and the validators enforce it.
 */

const storableText = (maxLength: number, minLength = 0): JsonSchema => ({
  type: 'string',
  ...(minLength > 0 ? { minLength } : {}),
  maxLength,
  pattern: PATTERNS.storableText,
});
const nonBlankText = (maxLength: number): JsonSchema => ({ type: 'string', minLength: 1, maxLength, pattern: ENTITY_PATTERNS.nonBlankText });
const orNull = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `categories.<key>` / `workflows.<key>` (and `channels.<uuid>`), the key by the rules of map keys. */
const mapKeyPath = `^(${ROW_KEY_FIELDS.join('|')})\\.[^\\u0000-\\u001f\\u007f\\p{Cs}]{1,${LIMITS.idLength}}$`;
const reservedKeyPath = `^(${ROW_KEY_FIELDS.join('|')})\\.(${RESERVED_KEYS.map(escapeRegExp).join('|')})$`;
const channelPath = `^channels\\.${PATTERNS.uuid.slice(1)}`;
const mapKeyPathSchema: JsonSchema = { type: 'string', pattern: mapKeyPath, not: { pattern: reservedKeyPath } };
const rowKeySchema = (allowChannels: boolean): JsonSchema =>
  allowChannels ? { type: 'string', anyOf: [mapKeyPathSchema, { pattern: channelPath }] } : mapKeyPathSchema;

/** Any JSON that jsonb stores: no NUL nor unpaired surrogate, in values or keys; no prototype names as keys. */
const customValue: JsonSchema = {
  description: `Any JSON, nested at most ${PROPERTY_LIMITS.depth} levels deep; text without NUL or unpaired surrogates.`,
  anyOf: [
    { type: 'null' },
    { type: 'boolean' },
    { type: 'number' },
    { type: 'string', pattern: PATTERNS.storableText },
    { type: 'array', items: schemaRef('CustomPropertyValue') },
    {
      type: 'object',
      propertyNames: { type: 'string', pattern: PATTERNS.storableText, not: { enum: [...RESERVED_KEYS] } },
      additionalProperties: schemaRef('CustomPropertyValue'),
    },
  ],
};

/** A custom property's key: 1 to 255 code points of id text, not `__`-prefixed, not a prototype name nor one of `refused`. */
export const customPropertyNames = (refused: readonly string[] = []): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: PROPERTY_LIMITS.keyLength,
  pattern: PATTERNS.idText,
  not: { anyOf: [{ enum: [...RESERVED_KEYS, ...refused] }, { pattern: `^${RESERVED_PROPERTY_PREFIX}` }] },
});

/**
 * The keys of an entity body: custom property keys (1 to 255 code points of id text, not `__`-prefixed,
 * not a prototype name), none of the refused fields; and at most `PROPERTY_LIMITS.perRequest` custom
 * properties besides the known `fields` (each subset of them present allows that many more keys).
 */
function entityKeys(fields: readonly string[], refused: readonly string[]): JsonSchema {
  const subsets = fields.reduce<string[][]>((all, field) => [...all, ...all.map((subset) => [...subset, field])], [[]]);
  return {
    propertyNames: customPropertyNames(refused),
    anyOf: subsets.map((subset) => ({
      ...(subset.length > 0 ? { properties: Object.fromEntries(subset.map((field) => [field, true])), required: subset } : {}),
      maxProperties: PROPERTY_LIMITS.perRequest + subset.length,
    })),
  };
}
const propertiesDescription = `Custom properties: at most ${PROPERTY_LIMITS.perRequest} per request (${PROPERTY_LIMITS.requestBytes} bytes of JSON) and ${PROPERTY_LIMITS.stored} stored (${PROPERTY_LIMITS.storedBytes} bytes), keys of 1 to ${PROPERTY_LIMITS.keyLength} characters not starting with "${RESERVED_PROPERTY_PREFIX}"; a null removes one.`;

const strategyMarker: JsonSchema = {
  type: ['string', 'null'],
  enum: [...ENTRY_STRATEGIES, null],
  description: "`replace`: at evaluation time this entry wins over the user's own, whole. A null removes the marker in a merge.",
};
const conditions: JsonSchema = { type: ['array', 'null'], maxItems: LIMITS.conditions, items: schemaRef('Condition') };

/** Inline `preferences` and `channel_data` of a body (recipients.md: inline identification); null writes nothing. */
const inlineProperties = (preferences: string): Record<string, JsonSchema> => ({
  preferences: orNull(schemaRef(preferences)),
  channel_data: orNull(schemaRef('InlineChannelDataRequest')),
});

/**
 * The body that identifies a user or sets an object: its kind's known string properties, then custom
 * ones; inline data where its writer stores it (`inline`), else those fields refused.
 */
const recipientRequest = (description: string, stringProperties: Readonly<Record<string, number>>, readOnly: readonly string[], inline: boolean): JsonSchema => ({
  type: 'object',
  description,
  properties: {
    id: idSchema('Optional; must match the path.'),
    ...Object.fromEntries(Object.entries(stringProperties).map(([key, maxLength]) => [key, { type: ['string', 'null'], maxLength, pattern: PATTERNS.storableText }])),
    created_at: { type: ['string', 'null'], pattern: ENTITY_PATTERNS.timestamp, description: 'When it was created in your system: an ISO-8601 timestamp with a zone.' },
    ...(inline ? inlineProperties('InlinePreferenceSetRequest') : {}),
  },
  ...(inline ? entityKeys([...USER_FIELDS, ...INLINE_FIELDS], readOnly) : entityKeys(USER_FIELDS, [...UNSUPPORTED_ENTITY_FIELDS, ...readOnly])),
  additionalProperties: schemaRef('CustomPropertyValue'),
});

const bulkItems = (description: string, items: JsonSchema): JsonSchema => ({
  type: 'array',
  minItems: 1,
  maxItems: MAX_BULK_ITEMS,
  description,
  items,
});

export const ENTITY_REQUEST_SCHEMAS: Record<string, JsonSchema> = {
  CustomPropertyValue: customValue,
  InlinePreferenceSetRequest: {
    type: 'object',
    description: `Preference sets by set id (at most ${PREFERENCE_SET_LIMITS.perRecipient}), each merged into the stored set, created when new, whatever its \`__persistence_strategy__\` (inline preferences always merge, as Knock documents); an explicit null removes that key. Each set at most ${PREFERENCE_SET_LIMITS.bytes} bytes of JSON, sent and as stored once merged; a new set past the recipient's limit (PREFERENCE_SETS_PER_RECIPIENT) is refused.`,
    maxProperties: PREFERENCE_SET_LIMITS.perRecipient,
    propertyNames: keySchema(),
    additionalProperties: schemaRef('PreferenceSetRequest'),
  },
  InlineTenantPreferenceSetRequest: {
    type: 'object',
    description: `A tenant has one preference set, \`${DEFAULT_SET_ID}\` (its \`settings.preference_set\`): merged into it, after \`settings.preference_set\` when both are sent.`,
    properties: { [DEFAULT_SET_ID]: schemaRef('PreferenceSetRequest') },
    additionalProperties: false,
  },
  InlineChannelDataRequest: {
    type: 'object',
    description: "Channel data by channel id (a UUID): each replaces what was stored for that channel (see ChannelDataValue).",
    propertyNames: { type: 'string', pattern: PATTERNS.uuid },
    additionalProperties: schemaRef('ChannelDataValue'),
  },
  TenantBranding: {
    type: 'object',
    description: 'The branding of a tenant. In a request, keys merge into the stored branding; a null removes one.',
    properties: {
      ...Object.fromEntries(
        BRANDING_URL_FIELDS.map((field) => [
          field,
          {
            type: ['string', 'null'],
            maxLength: MAX_URL_LENGTH,
            pattern: ENTITY_PATTERNS.httpUrl,
            description: `An http or https URL of at most ${MAX_URL_LENGTH} characters, with a host, as a browser parses it (WHATWG URL); the parsed host may hold only letters, digits, dots and hyphens, or be a bracketed IPv6 literal.`,
          },
        ]),
      ),
      ...Object.fromEntries(BRANDING_COLOR_FIELDS.map((field) => [field, { type: ['string', 'null'], pattern: ENTITY_PATTERNS.color, description: 'A colour, `#rrggbb`.' }])),
    },
    additionalProperties: false,
  },
  TenantPreferenceSetEntryRequest: {
    description: `One category or workflow of a tenant's set: a boolean, an object of channel types, channels and conditions optionally marked \`${STRATEGY_MARKER}: "replace"\`, or null.`,
    anyOf: [
      { type: 'boolean' },
      {
        type: 'object',
        properties: {
          [STRATEGY_MARKER]: strategyMarker,
          channel_types: schemaRef('PreferenceSetChannelTypesRequest'),
          channels: schemaRef('PreferenceSetChannelsRequest'),
          conditions,
        },
        additionalProperties: false,
      },
      { type: 'null' },
    ],
  },
  TenantPreferenceSetSettingsRequest: {
    type: ['object', 'null'],
    description: `Categories or workflows of a tenant's set by key, as in PreferenceSetSettingsRequest; each entry may carry \`${STRATEGY_MARKER}\`.`,
    maxProperties: LIMITS.mapEntries,
    propertyNames: { type: 'string', minLength: 1, maxLength: LIMITS.idLength, pattern: PATTERNS.idText, not: { enum: [...RESERVED_KEYS] } },
    additionalProperties: schemaRef('TenantPreferenceSetEntryRequest'),
  },
  TenantPreferenceSetRequest: {
    type: 'object',
    description: `Merges into the stored set by default; \`__persistence_strategy__: "replace"\` replaces it. An entry (a category, a workflow, the top-level channel_types or channels) may carry \`${STRATEGY_MARKER}: "replace"\`. An explicit null asks a merge to remove that key.`,
    properties: {
      __persistence_strategy__: { type: ['string', 'null'], enum: [...PERSISTENCE_STRATEGIES, null], default: DEFAULT_TENANT_PERSISTENCE_STRATEGY },
      categories: schemaRef('TenantPreferenceSetSettingsRequest'),
      workflows: schemaRef('TenantPreferenceSetSettingsRequest'),
      channel_types: {
        type: ['object', 'null'],
        description: `Preferences per channel type, optionally marked \`${STRATEGY_MARKER}: "replace"\`.`,
        properties: { [STRATEGY_MARKER]: strategyMarker, ...Object.fromEntries(CHANNEL_TYPES.map((type) => [type, schemaRef('PreferenceSetChannelSettingRequest')])) },
        additionalProperties: false,
      },
      channels: {
        type: ['object', 'null'],
        description: `Preferences per channel id (a UUID), at most ${LIMITS.mapEntries}, optionally marked \`${STRATEGY_MARKER}: "replace"\`.`,
        properties: { [STRATEGY_MARKER]: strategyMarker },
        propertyNames: { type: 'string', anyOf: [{ const: STRATEGY_MARKER }, { pattern: PATTERNS.uuid }] },
        additionalProperties: schemaRef('PreferenceSetChannelSettingRequest'),
        anyOf: [{ maxProperties: LIMITS.mapEntries }, { properties: { [STRATEGY_MARKER]: true }, required: [STRATEGY_MARKER], maxProperties: LIMITS.mapEntries + 1 }],
      },
      commercial_subscribed: schemaRef('PreferenceSetChannelSettingRequest'),
    },
    additionalProperties: false,
  },
  TenantRequest: {
    type: 'object',
    description: `Creates or updates a tenant. A field not sent is kept. ${propertiesDescription}`,
    properties: {
      id: idSchema('Optional; must match the path.'),
      name: { type: ['string', 'null'], maxLength: MAX_TENANT_NAME_LENGTH, pattern: PATTERNS.storableText },
      settings: {
        type: 'object',
        properties: { branding: orNull(schemaRef('TenantBranding')), preference_set: orNull(schemaRef('TenantPreferenceSetRequest')) },
        additionalProperties: false,
      },
      ...inlineProperties('InlineTenantPreferenceSetRequest'),
    },
    ...entityKeys([...TENANT_FIELDS, ...INLINE_FIELDS], TENANT_READ_ONLY_FIELDS),
    additionalProperties: schemaRef('CustomPropertyValue'),
  },
  IdentifyUserRequest: recipientRequest(
    `Properties to merge into the user (created when new); \`{}\` is valid. ${propertiesDescription} \`timezone\` is an IANA zone.`,
    USER_STRING_PROPERTIES,
    USER_READ_ONLY_FIELDS,
    true,
  ),
  SetObjectRequest: recipientRequest(
    `Properties to merge into the object (created when new), answered under its \`properties\`; \`{}\` is valid. ${propertiesDescription} \`timezone\` is an IANA zone.`,
    OBJECT_STRING_PROPERTIES,
    OBJECT_READ_ONLY_FIELDS,
    false,
  ),
  BulkSetTenantsRequest: {
    type: 'object',
    properties: {
      tenants: bulkItems(
        'Each tenant as `PUT /v1/tenants/{id}` takes it, with its `id`, or its id alone. A tenant named twice takes its items in order.',
        { anyOf: [idSchema(), { allOf: [schemaRef('TenantRequest'), { type: 'object', properties: { id: true }, required: ['id'] }] }] },
      ),
    },
    required: ['tenants'],
    additionalProperties: false,
  },
  BulkDeleteTenantsRequest: {
    type: 'object',
    description: 'An extension: the tenant ids of a bulk delete as a body, for a list too long for the query (the request line and headers are read up to 16 KiB). Never both.',
    properties: { tenant_ids: bulkItems('The tenants to delete. A repeated id counts once.', idSchema()) },
    required: ['tenant_ids'],
    additionalProperties: false,
  },
  BulkSetObjectsRequest: {
    type: 'object',
    properties: {
      objects: bulkItems(
        "Each object of the path's collection as `PUT /v1/objects/{collection}/{id}` takes it, with its `id`. An object named twice takes its items in order.",
        { allOf: [schemaRef('SetObjectRequest'), { type: 'object', properties: { id: true }, required: ['id'] }] },
      ),
    },
    required: ['objects'],
    additionalProperties: false,
  },
  BulkIdentifyUsersRequest: {
    type: 'object',
    properties: {
      users: bulkItems(
        'Each user as `PUT /v1/users/{id}` takes it, with its `id`. A user named twice takes its items in order.',
        { allOf: [schemaRef('IdentifyUserRequest'), { type: 'object', properties: { id: true }, required: ['id'] }] },
      ),
    },
    required: ['users'],
    additionalProperties: false,
  },
  EvaluateRequest: {
    type: 'object',
    properties: {
      recipients: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_EVALUATION_RECIPIENTS,
        description: `1 to ${MAX_EVALUATION_RECIPIENTS} recipients: user ids, or \`{ id, collection?, ...properties }\`: with a \`collection\` an object (Knock's RecipientReference), without one (or null) a user; the properties sent are used over the stored ones for this decision. A repeated recipient counts once (its first occurrence).`,
        items: {
          anyOf: [
            idSchema(),
            {
              type: 'object',
              properties: { id: idSchema(), collection: { type: ['string', 'null'], minLength: 1, maxLength: LIMITS.idLength, pattern: PATTERNS.collection } },
              required: ['id'],
              additionalProperties: true,
            },
          ],
        },
      },
      workflow: {
        type: 'object',
        properties: {
          key: idSchema(),
          categories: { type: ['array', 'null'], maxItems: MAX_WORKFLOW_CATEGORIES, items: idSchema() },
          commercial: { type: ['boolean', 'null'], default: false },
          override_preferences: { type: ['boolean', 'null'], default: false, description: 'true allows everything: a workflow that bypasses preferences.' },
        },
        required: ['key'],
        propertyNames: { enum: [...EVALUATION_WORKFLOW_FIELDS] },
      },
      channel: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: [...CHANNEL_TYPES] },
          id: { type: ['string', 'null'], pattern: PATTERNS.uuid, description: 'The channel (a UUID); its `channels` entries decide before `channel_types`.' },
        },
        required: ['type'],
        propertyNames: { enum: [...EVALUATION_CHANNEL_FIELDS] },
      },
      tenant: { ...orNull(idSchema()), description: 'Evaluate in this tenant: its default set and the user sets named after it are layers.' },
      data: { type: ['object', 'null'], description: 'The trigger data: `data.*` in conditions.' },
      actor: { anyOf: [idSchema(), { type: 'object' }, { type: 'null' }], description: 'The actor (an id or an object): `actor.*` in conditions.' },
    },
    required: ['recipients', 'workflow', 'channel'],
    propertyNames: { enum: [...EVALUATION_FIELDS] },
  },
  PreferenceCenterRowRequest: {
    type: 'object',
    properties: {
      key: { ...rowKeySchema(true), description: '`categories.<key>`, `workflows.<key>` or `channels.<channel id>`; each key once in a layout.' },
      label: nonBlankText(LAYOUT_LIMITS.titleLength),
      description: storableText(LAYOUT_LIMITS.descriptionLength),
      channel_types: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', enum: [...CHANNEL_TYPES] },
        uniqueItems: true,
        description: 'One toggle per listed channel type (categories and workflows rows only); one toggle for the row otherwise.',
      },
    },
    required: ['key', 'label'],
    additionalProperties: false,
    if: { type: 'object', properties: { key: { type: 'string', pattern: '^channels\\.' } }, required: ['key'] },
    then: { properties: { channel_types: false } },
  },
  PreferenceCenterRequest: {
    type: 'object',
    description: 'The layout of the preference center page; it replaces the stored one.',
    properties: {
      title: nonBlankText(LAYOUT_LIMITS.titleLength),
      description: storableText(LAYOUT_LIMITS.descriptionLength),
      rows: { type: 'array', maxItems: LAYOUT_LIMITS.rows, items: schemaRef('PreferenceCenterRowRequest'), description: 'Each row key at most once.' },
    },
    required: ['title', 'rows'],
    additionalProperties: false,
  },
  UserLinksRequest: {
    type: 'object',
    description: 'Optional: what the unsubscribe link turns off (`commercial_subscribed` without a scope), and the tenant whose branding the pages show.',
    properties: {
      scope: { anyOf: [rowKeySchema(false), { type: 'null' }], examples: ['categories.marketing'] },
      tenant: orNull(idSchema()),
    },
    propertyNames: { enum: [...LINK_REQUEST_FIELDS] },
  },
};
