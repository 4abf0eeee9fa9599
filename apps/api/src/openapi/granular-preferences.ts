import { GRANULAR_FIELDS, keySchema, type GranularField } from '@prefs/core';
import { json, ref, response, v1BodyErrors, type Paths, type Schema } from './components';
import { DOCUMENTED_RECIPIENTS, type DocumentedRecipient } from './preferences';

/**
 * OpenAPI: Knock's granular preference PUTs of a recipient's set, users' and objects' (deprecated by Knock
 * for users, still sent by its browser SDK). Each merges its body at its key and answers the whole set.
 */

const subscribed: Schema = {
  type: 'object',
  properties: { subscribed: { type: 'boolean' } },
  required: ['subscribed'],
  additionalProperties: false,
};

export const granularPreferencesSchemas: Record<string, Schema> = {
  SubscribedRequest: { ...subscribed, description: 'Turns one channel type, workflow or category on or off.' },
  GranularSettingRequest: {
    description: 'One workflow or category: `{ "subscribed": <boolean> }`, or a setting object (channel types, channels, conditions) merged into what is stored.',
    anyOf: [ref('SubscribedRequest'), { $ref: '#/components/schemas/PreferenceSetWorkflowCategorySettingRequest/anyOf/1' }],
  },
};

const MAP_BODY: Record<GranularField, string> = {
  channel_types: 'PreferenceSetChannelTypesRequest',
  workflows: 'PreferenceSetSettingsRequest',
  categories: 'PreferenceSetSettingsRequest',
};
const KEY_BODY: Record<GranularField, string> = { channel_types: 'SubscribedRequest', workflows: 'GranularSettingRequest', categories: 'GranularSettingRequest' };
const KNOCK_NAME: Record<GranularField, [string, string]> = {
  channel_types: ['ChannelTypes', 'ChannelType'],
  workflows: ['Workflows', 'Workflow'],
  categories: ['Categories', 'Category'],
};
const setId = { name: 'id', in: 'path', required: true, description: '`default` or a tenant id.', schema: keySchema() };

function operation(recipient: DocumentedRecipient, field: GranularField, keyed: boolean): Record<string, Schema> {
  const body = keyed ? ref(KEY_BODY[field]) : { allOf: [ref(MAP_BODY[field]), { type: 'object' }] };
  const keyParameter = { name: keyed && field === 'channel_types' ? 'type' : 'key', in: 'path', required: true, description: field === 'channel_types' ? 'The channel type.' : 'The workflow or category key.', schema: keySchema() };
  return {
    put: {
      operationId: `update${recipient.kind}Preference${KNOCK_NAME[field][keyed ? 1 : 0]}`,
      tags: [recipient.tag],
      deprecated: true,
      summary: keyed ? `Set one entry of a set's ${field}` : `Merge into a set's ${field}`,
      description: `Merges the body into the set at \`${field}${keyed ? '.<key>' : ''}\`, as a PUT with \`__persistence_strategy__: "merge"\` would; returns the whole set. Rate tier 3.`,
      parameters: [...recipient.parameters, setId, ...(keyed ? [keyParameter] : [])],
      requestBody: { required: true, content: json(body) },
      responses: { '200': response('The stored set.', ref('PreferenceSet')), ...v1BodyErrors() },
    },
  };
}

export const granularPreferencesPaths: Paths = Object.fromEntries(
  DOCUMENTED_RECIPIENTS.flatMap((recipient) =>
    GRANULAR_FIELDS.flatMap((field) => [
      [`${recipient.path}/preferences/{id}/${field}`, operation(recipient, field, false)],
      [`${recipient.path}/preferences/{id}/${field}/{${field === 'channel_types' ? 'type' : 'key'}}`, operation(recipient, field, true)],
    ]),
  ),
);
