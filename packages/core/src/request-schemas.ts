import {
  BULK_SET_PREFERENCES_FIELDS,
  CHANNEL_TYPES,
  CONDITION_OPERATORS,
  DEFAULT_PERSISTENCE_STRATEGY,
  DEFAULT_SET_ID,
  LIMITS,
  PATTERNS,
  PERSISTENCE_STRATEGIES,
  RESERVED_KEYS,
} from './contract';

/**
 * The request bodies as JSON Schema (draft 2020-12, OpenAPI 3.1's dialect), derived from `contract.ts`.
 * They accept exactly what the validators accept (a contract test runs the fuzz corpus through both);
 * the validators add what a schema cannot say well: which field is wrong, by its full path.
 *
 * Named schemas refer to each other as OpenAPI components (`#/components/schemas/<name>`), so the API's
 * document spreads `REQUEST_SCHEMAS` into its components as they are. Validators of other bodies can
 * reuse the pieces (`idSchema`, `keySchema`, `preferenceSetRequestProperties`).
 */

export type JsonSchema = Record<string, unknown>;

export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A user id (or another id of the same rules): 1 to 255 code points, no control characters. */
export const idSchema = (description?: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.idLength,
  pattern: PATTERNS.idText,
  ...(description ? { description } : {}),
});

/** An id that becomes an object key (a category or workflow key, a set id in a body): not a reserved word. */
export const keySchema = (description?: string): JsonSchema => ({
  ...idSchema(description),
  not: { enum: [...RESERVED_KEYS] },
});

const conditionsArray = (nullable: boolean): JsonSchema => ({
  type: nullable ? ['array', 'null'] : 'array',
  maxItems: LIMITS.conditions,
  items: schemaRef('Condition'),
  description: `At most ${LIMITS.conditions} conditions, all of which must hold.`,
});

/** The fields of a PreferenceSet request: what PUT takes, and (with `id`) the bulk body's `preferences`. */
export const preferenceSetRequestProperties: Record<string, JsonSchema> = {
  __persistence_strategy__: {
    anyOf: [{ type: 'string', enum: [...PERSISTENCE_STRATEGIES] }, { type: 'null' }],
    default: DEFAULT_PERSISTENCE_STRATEGY,
    description: "'replace' replaces the stored set whole; 'merge' deep-merges into it. Absent or null: 'replace'.",
  },
  categories: schemaRef('PreferenceSetSettingsRequest'),
  workflows: schemaRef('PreferenceSetSettingsRequest'),
  channel_types: schemaRef('PreferenceSetChannelTypesRequest'),
  channels: schemaRef('PreferenceSetChannelsRequest'),
  commercial_subscribed: schemaRef('PreferenceSetChannelSettingRequest'),
};

/** A bulk body's `user_ids` (and `object_ids`: object ids follow the user id rules). */
const userIdsSchema: JsonSchema = { type: 'array', minItems: 1, maxItems: LIMITS.bulkUsers, items: idSchema() };

export const REQUEST_SCHEMAS: Record<string, JsonSchema> = {
  Condition: {
    type: 'object',
    description: 'A condition evaluated at send time; a `conditions` array is a logical AND.',
    properties: {
      variable: {
        type: 'string',
        minLength: 1,
        maxLength: LIMITS.conditionVariableLength,
        pattern: PATTERNS.storableText,
        description: 'The variable to be evaluated in the condition.',
      },
      operator: { type: 'string', enum: [...CONDITION_OPERATORS] },
      argument: {
        type: ['string', 'null'],
        maxLength: LIMITS.conditionArgumentLength,
        pattern: PATTERNS.storableText,
        description: 'The argument value to compare against in the condition (required, may be null).',
      },
    },
    required: ['variable', 'operator', 'argument'],
    additionalProperties: false,
  },
  PreferenceSetChannelTypeSetting: {
    type: 'object',
    description: 'A set of conditions under which a channel type (or channel) is allowed.',
    properties: { conditions: conditionsArray(false) },
    required: ['conditions'],
    additionalProperties: false,
  },
  PreferenceSetChannelSettingRequest: {
    description: 'A channel type, channel or `commercial_subscribed` in a request: a boolean, conditions, or null (a merge removes it).',
    anyOf: [{ type: 'boolean' }, schemaRef('PreferenceSetChannelTypeSetting'), { type: 'null' }],
  },
  PreferenceSetChannelTypesRequest: {
    type: ['object', 'null'],
    description: `Preferences per channel type (${CHANNEL_TYPES.join(', ')}); no other key.`,
    properties: Object.fromEntries(CHANNEL_TYPES.map((type) => [type, schemaRef('PreferenceSetChannelSettingRequest')])),
    additionalProperties: false,
  },
  PreferenceSetChannelsRequest: {
    type: ['object', 'null'],
    description: `Preferences per channel id (a UUID), at most ${LIMITS.mapEntries} entries.`,
    maxProperties: LIMITS.mapEntries,
    propertyNames: { type: 'string', pattern: PATTERNS.uuid },
    additionalProperties: schemaRef('PreferenceSetChannelSettingRequest'),
  },
  PreferenceSetWorkflowCategorySettingRequest: {
    description: 'The setting of one workflow or category in a request: a boolean, an object of channel types, channels and conditions, or null (a merge removes it).',
    anyOf: [
      { type: 'boolean' },
      {
        type: 'object',
        properties: {
          channel_types: schemaRef('PreferenceSetChannelTypesRequest'),
          channels: schemaRef('PreferenceSetChannelsRequest'),
          conditions: conditionsArray(true),
        },
        additionalProperties: false,
      },
      { type: 'null' },
    ],
  },
  PreferenceSetSettingsRequest: {
    type: ['object', 'null'],
    description: `Categories or workflows by key: at most ${LIMITS.mapEntries} entries, keys of 1 to ${LIMITS.idLength} characters without control characters, not ${RESERVED_KEYS.join(', ')}.`,
    maxProperties: LIMITS.mapEntries,
    propertyNames: keySchema(),
    additionalProperties: schemaRef('PreferenceSetWorkflowCategorySettingRequest'),
  },
  PreferenceSetRequest: {
    type: 'object',
    description: 'A request to set a preference set for a recipient. An explicit null asks a merge to remove that key.',
    properties: preferenceSetRequestProperties,
    additionalProperties: false,
  },
  BulkDeleteUsersRequest: {
    type: 'object',
    properties: { user_ids: { ...userIdsSchema, description: `The users to delete: 1 to ${LIMITS.bulkUsers} ids as sent. A repeated id is accepted and counts once.` } },
    required: ['user_ids'],
    additionalProperties: false,
  },
  BulkDeleteObjectsRequest: {
    type: 'object',
    properties: { object_ids: { ...userIdsSchema, description: `The objects of the path's collection to delete: 1 to ${LIMITS.bulkUsers} ids as sent. A repeated id is accepted and counts once.` } },
    required: ['object_ids'],
    additionalProperties: false,
  },
  BulkSetPreferencesRequest: {
    type: 'object',
    properties: {
      user_ids: { ...userIdsSchema, description: `The users to set: 1 to ${LIMITS.bulkUsers} ids as sent. A repeated id is accepted and counts once.` },
      preferences: {
        type: 'object',
        description: `The preference set to write, and which set: \`id\` is \`${DEFAULT_SET_ID}\` (when absent or null) or a tenant id.`,
        properties: {
          id: { anyOf: [keySchema(), { type: 'null' }], default: DEFAULT_SET_ID },
          ...preferenceSetRequestProperties,
        },
        additionalProperties: false,
      },
    },
    required: [...BULK_SET_PREFERENCES_FIELDS],
    additionalProperties: false,
  },
};
