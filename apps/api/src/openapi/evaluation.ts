import { ENTITY_REQUEST_SCHEMAS, idSchema, MAX_ID_LENGTH } from '@prefs/core';
import { json, nullable, parameterRef, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI paths and schemas of the effective set and the send decision (extensions of Knock's API). */

const LAYER_DESCRIPTION = '`environment`, `tenant:<id>`, `user:default` or `user:<tenant id>` (for an object recipient `object:default` or `object:<tenant id>`).';

export const evaluationSchemas: Record<string, Schema> = {
  EffectivePreferenceSet: {
    type: 'object',
    description:
      "A user's effective set: the environment default, the tenant's default (with a tenant), the user's `default` set and the user's set for the tenant, each deep-merged over the ones below; then the tenant's entries marked `__strategy__: \"replace\"` put back whole. `commercial_subscribed` comes from the first three layers only.",
    properties: {
      __typename: { const: 'PreferenceSet' },
      id: { type: 'string', description: 'The set asked for: `default` or a tenant id.' },
      categories: { type: ['object', 'null'], additionalProperties: ref('PreferenceSetWorkflowCategorySetting') },
      workflows: { type: ['object', 'null'], additionalProperties: ref('PreferenceSetWorkflowCategorySetting') },
      channel_types: nullable(ref('PreferenceSetChannelTypes')),
      channels: nullable(ref('PreferenceSetChannels')),
      commercial_subscribed: { anyOf: [{ type: 'boolean' }, ref('PreferenceSetCommercialSubscribedSetting'), { type: 'null' }] },
      sources: {
        type: 'object',
        description: `For every leaf that is set (dot-joined path, e.g. \`categories.marketing.channel_types.email\`), the layer it came from: ${LAYER_DESCRIPTION}`,
        additionalProperties: { type: 'string' },
      },
    },
    required: ['__typename', 'id', 'categories', 'workflows', 'channel_types', 'channels', 'commercial_subscribed', 'sources'],
    additionalProperties: false,
  },
  EvaluateRequest: ENTITY_REQUEST_SCHEMAS.EvaluateRequest,
  EvaluationBlockedBy: {
    type: 'object',
    description: 'The leaf that blocked the send.',
    properties: {
      layer: { type: ['string', 'null'], description: `The layer the leaf came from: ${LAYER_DESCRIPTION}` },
      path: { type: 'string', examples: ['categories.marketing.channel_types.email'] },
      reason: { type: 'string', enum: ['false', 'condition', 'commercial_unsubscribed'] },
      condition: ref('Condition'),
    },
    required: ['layer', 'path', 'reason'],
    additionalProperties: false,
  },
  EvaluationTraceStep: {
    type: 'object',
    description: 'One rule considered, in order.',
    properties: {
      rule: { type: 'string', enum: ['override_preferences', 'commercial', 'category', 'workflow', 'conditions', 'channel', 'channel_type'] },
      path: { type: 'string' },
      layer: { type: ['string', 'null'] },
      outcome: { type: 'string', enum: ['allowed', 'blocked', 'unset'], description: '`unset`: nothing is set there, which allows.' },
      conditions: {
        type: 'array',
        description: 'The conditions evaluated, up to the first that did not hold.',
        items: {
          type: 'object',
          properties: {
            condition: ref('Condition'),
            holds: { type: 'boolean' },
            variable_value: { description: 'The variable\'s value ("" when the path is missing).' },
            argument_value: { description: 'The argument, a reference resolved.' },
            why: { type: 'string', description: 'Why it did not hold, when the values alone do not say.' },
          },
          required: ['condition', 'holds', 'variable_value', 'argument_value'],
          additionalProperties: false,
        },
      },
    },
    required: ['rule', 'path', 'layer', 'outcome'],
    additionalProperties: false,
  },
  EvaluateResponse: {
    type: 'object',
    properties: {
      entries: {
        type: 'array',
        description: 'One entry per distinct recipient, in request order.',
        items: {
          type: 'object',
          properties: {
            recipient: {
              description: "A user's id, or an object's `{ id, collection }`, as the request named it.",
              anyOf: [
                { type: 'string' },
                { type: 'object', properties: { id: { type: 'string' }, collection: { type: 'string' } }, required: ['id', 'collection'], additionalProperties: false },
              ],
            },
            allowed: { type: 'boolean' },
            blocked_by: nullable(ref('EvaluationBlockedBy')),
            trace: { type: 'array', items: ref('EvaluationTraceStep'), description: 'With `?trace=true` only.' },
          },
          required: ['recipient', 'allowed', 'blocked_by'],
          additionalProperties: false,
        },
      },
    },
    required: ['entries'],
    additionalProperties: false,
  },
};

export const evaluationPaths: Paths = {
  '/v1/users/{user_id}/preferences/{id}/effective': {
    get: {
      operationId: 'getUserEffectivePreferences',
      tags: ['Users'],
      summary: "Get a user's effective preference set (beyond Knock)",
      description:
        'The set that decides sends: the layers merged, with the source of every leaf. The tenant is `?tenant=`, or the set id when it is not `default`. A user with nothing stored gets the layers below theirs. Rate tier 4.',
      parameters: [
        parameterRef('UserId'),
        { name: 'id', in: 'path', required: true, description: 'The set: `default` or a tenant id (then also the tenant).', schema: idSchema() },
        { name: 'tenant', in: 'query', required: false, description: 'The tenant to evaluate in (for the `default` set, or the same id as the set).', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } },
      ],
      responses: { '200': response('The effective set.', ref('EffectivePreferenceSet')), ...v1Errors('422') },
    },
  },
  '/v1/preferences/evaluate': {
    post: {
      operationId: 'evaluatePreferences',
      tags: ['Users'],
      summary: 'Decide whether a notification may go to each recipient (beyond Knock)',
      description:
        'For up to 1,000 recipients, on each one\'s effective set: (1) a commercial workflow needs `commercial_subscribed` not false; (2) every applicable scope must allow, the first that does not decides: the top level, each category in request order, the workflow; (3) in a scope, its own boolean or conditions apply to every channel, and a `channels[<channel.id>]` entry decides before `channel_types[<channel.type>]`; (4) conditions all hold (AND). Anything unset allows. Rate tier 3.',
      parameters: [{ name: 'trace', in: 'query', required: false, description: 'true adds each entry\'s `trace`: every rule considered, in order.', schema: { type: 'string', enum: ['true', 'false'] } }],
      requestBody: { required: true, content: json(ref('EvaluateRequest')) },
      responses: { '200': response('One decision per distinct recipient.', ref('EvaluateResponse')), ...v1BodyErrors() },
    },
  },
};
