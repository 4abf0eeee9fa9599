import { CHANNEL_TYPES, idSchema, REQUEST_SCHEMAS } from '@prefs/core';
import { json, nullable, parameterRef, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';
import { collectionParameter, objectIdParameter } from './objects';

/**
 * Recipients' preference sets (users' and objects'): the PreferenceSet resource as answered, and the request bodies (derived from
 * the contract in @prefs/core, shared with the bulk body).
 */

const channelSetting = { anyOf: [{ type: 'boolean' }, ref('PreferenceSetChannelTypeSetting')] };

const preferenceSetId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Unique identifier for the preference set: `default` or a tenant id.',
  schema: idSchema(),
};

export const preferencesSchemas: Record<string, Schema> = {
  ...REQUEST_SCHEMAS,
  PreferenceSetChannelSetting: { $ref: '#/components/schemas/PreferenceSetChannelTypeSetting' },
  PreferenceSetCommercialSubscribedSetting: { $ref: '#/components/schemas/PreferenceSetChannelTypeSetting' },
  PreferenceSetChannelTypes: {
    type: 'object',
    description: 'Preferences per channel type: a boolean, or conditions.',
    properties: Object.fromEntries(CHANNEL_TYPES.map((type) => [type, channelSetting])),
    additionalProperties: false,
  },
  PreferenceSetChannels: {
    type: 'object',
    description: 'Preferences per channel id (a UUID): a boolean, or conditions.',
    additionalProperties: { anyOf: [{ type: 'boolean' }, ref('PreferenceSetChannelSetting')] },
  },
  PreferenceSetWorkflowCategorySetting: {
    description: 'The setting of one workflow or category: a boolean, or an object of channel types, channels and conditions.',
    anyOf: [
      { type: 'boolean' },
      {
        type: 'object',
        properties: {
          channel_types: nullable(ref('PreferenceSetChannelTypes')),
          channels: nullable(ref('PreferenceSetChannels')),
          conditions: { type: ['array', 'null'], items: ref('Condition') },
        },
        additionalProperties: false,
      },
    ],
  },
  PreferenceSet: {
    type: 'object',
    description: "A recipient's preference set. Fields never set are null.",
    properties: {
      __typename: { const: 'PreferenceSet' },
      id: { type: 'string', description: 'Unique identifier for the preference set: `default` or a tenant id.' },
      categories: {
        type: ['object', 'null'],
        additionalProperties: ref('PreferenceSetWorkflowCategorySetting'),
        description: 'An object where the key is the category and the values are the preference settings for that category.',
      },
      workflows: {
        type: ['object', 'null'],
        additionalProperties: ref('PreferenceSetWorkflowCategorySetting'),
        description: 'An object where the key is the workflow key and the values are the preference settings for that workflow.',
      },
      channel_types: nullable(ref('PreferenceSetChannelTypes')),
      channels: nullable(ref('PreferenceSetChannels')),
      commercial_subscribed: {
        anyOf: [{ type: 'boolean' }, ref('PreferenceSetCommercialSubscribedSetting'), { type: 'null' }],
        description: 'Whether the recipient is subscribed to commercial communications.',
      },
    },
    required: ['__typename', 'id', 'categories', 'workflows', 'channel_types', 'channels', 'commercial_subscribed'],
    additionalProperties: false,
  },
};

/** Who a set belongs to in the document: its operationIds' word, tag, path and path parameters. */
export interface DocumentedRecipient {
  kind: 'User' | 'Object';
  /** "a user", "an object". */
  article: string;
  tag: string;
  /** The path of the recipient, as Knock's document writes it. */
  path: string;
  parameters: Schema[];
}

export const DOCUMENTED_RECIPIENTS: readonly DocumentedRecipient[] = [
  { kind: 'User', article: 'a user', tag: 'Users', path: '/v1/users/{user_id}', parameters: [parameterRef('UserId')] },
  { kind: 'Object', article: 'an object', tag: 'Objects', path: '/v1/objects/{collection}/{object_id}', parameters: [collectionParameter, objectIdParameter('object_id')] },
];

/** The four operations on a recipient's sets, for users and objects alike. */
function preferenceSetPaths(recipient: DocumentedRecipient): Paths {
  const { kind, article, tag, parameters } = recipient;
  const name = kind.toLowerCase();
  const creates = kind === 'Object' ? ' The object is created (with no properties) when it was never set, as Knock does.' : '';
  return {
    [`${recipient.path}/preferences`]: {
      get: {
        operationId: `list${kind}PreferenceSets`,
        tags: [tag],
        summary: `List ${article}'s preference sets`,
        description: `Every stored set of the ${name}, a bare JSON array (empty for ${article} with none). Rate tier 4.`,
        parameters,
        responses: { '200': response('The sets.', { type: 'array', items: ref('PreferenceSet') }), ...v1Errors('422') },
      },
    },
    [`${recipient.path}/preferences/{id}`]: {
      get: {
        operationId: `get${kind}PreferenceSet`,
        tags: [tag],
        summary: `Get ${article}'s preference set`,
        description: `One set as stored; a set the ${name} has not stored reads as the defaults that apply (the environment default set, with the tenant of \`?tenant=\` or of the set id merged over it), never 404. Rate tier 4.`,
        parameters: [...parameters, preferenceSetId, { name: 'tenant', in: 'query', required: false, description: 'The tenant whose defaults apply to a set not stored (the set id, or absent, for a tenant set).', schema: idSchema() }],
        responses: { '200': response('The set.', ref('PreferenceSet')), ...v1Errors('422') },
      },
      put: {
        operationId: `update${kind}PreferenceSet`,
        tags: [tag],
        summary: `Set ${article}'s preference set`,
        description: `Replaces the set, or deep-merges into it with \`__persistence_strategy__: "merge"\`; returns the stored set.${creates} Rate tier 3.`,
        parameters: [...parameters, preferenceSetId],
        requestBody: { required: true, content: json(ref('PreferenceSetRequest')) },
        responses: { '200': response('The stored set.', ref('PreferenceSet')), ...v1BodyErrors() },
      },
      delete: {
        operationId: `delete${kind}PreferenceSet`,
        tags: [tag],
        summary: `Delete ${article}'s preference set`,
        description: 'Removes the set (idempotent). Rate tier 3.',
        parameters: [...parameters, preferenceSetId],
        responses: { '204': { description: 'Removed (or there was nothing to remove).' }, ...v1Errors('422') },
      },
    },
  };
}

export const preferencesPaths: Paths = Object.assign({}, ...DOCUMENTED_RECIPIENTS.map(preferenceSetPaths));
