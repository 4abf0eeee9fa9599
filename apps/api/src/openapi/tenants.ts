import { CHANNEL_TYPES, ENTITY_REQUEST_SCHEMAS, MAX_ID_LENGTH } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { json, nullable, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI: Knock's tenants (set, get, list, delete), with the `__strategy__` markers of a tenant's default set. */


const strategyMarker: Schema = {
  type: ['string', 'null'],
  enum: ['replace', null],
  description: '`replace`: at evaluation time this entry wins over the user\'s own, whole. A null removes the marker in a merge.',
};
const channelSetting: Schema = { anyOf: [{ type: 'boolean' }, ref('PreferenceSetChannelTypeSetting'), { type: 'null' }] };
const markedChannelTypes: Schema = {
  type: 'object',
  description: 'Preferences per channel type, optionally marked `__strategy__: "replace"`.',
  properties: { __strategy__: strategyMarker, ...Object.fromEntries(CHANNEL_TYPES.map((type) => [type, channelSetting])) },
  additionalProperties: false,
};
const markedChannels: Schema = {
  type: 'object',
  description: 'Preferences per channel id (a UUID), optionally marked `__strategy__: "replace"`.',
  properties: { __strategy__: strategyMarker },
  additionalProperties: channelSetting,
};
const markedEntry: Schema = {
  description: 'One category or workflow: a boolean, or an object of channel types, channels and conditions, optionally marked `__strategy__: "replace"`.',
  anyOf: [
    { type: 'boolean' },
    { type: 'null' },
    {
      type: 'object',
      properties: {
        __strategy__: strategyMarker,
        channel_types: nullable(ref('PreferenceSetChannelTypes')),
        channels: nullable(ref('PreferenceSetChannels')),
        conditions: { type: ['array', 'null'], items: ref('Condition') },
      },
      additionalProperties: false,
    },
  ],
};
const tenantSetFields: Record<string, Schema> = {
  categories: { type: ['object', 'null'], additionalProperties: markedEntry },
  workflows: { type: ['object', 'null'], additionalProperties: markedEntry },
  channel_types: nullable(markedChannelTypes),
  channels: nullable(markedChannels),
  commercial_subscribed: { anyOf: [{ type: 'boolean' }, ref('PreferenceSetCommercialSubscribedSetting'), { type: 'null' }] },
};

export const tenantsSchemas: Record<string, Schema> = {
  TenantBranding: ENTITY_REQUEST_SCHEMAS.TenantBranding,
  CustomPropertyValue: ENTITY_REQUEST_SCHEMAS.CustomPropertyValue,
  TenantPreferenceSetEntryRequest: ENTITY_REQUEST_SCHEMAS.TenantPreferenceSetEntryRequest,
  TenantPreferenceSetSettingsRequest: ENTITY_REQUEST_SCHEMAS.TenantPreferenceSetSettingsRequest,
  TenantPreferenceSet: {
    type: 'object',
    description:
      "A tenant's default preference set: a PreferenceSet whose entries (a category, a workflow, the top-level channel_types or channels) may carry `__strategy__: \"replace\"`.",
    properties: { __typename: { const: 'PreferenceSet' }, id: { const: 'default' }, ...tenantSetFields },
    required: ['__typename', 'id', 'categories', 'workflows', 'channel_types', 'channels', 'commercial_subscribed'],
    additionalProperties: false,
  },
  TenantPreferenceSetRequest: ENTITY_REQUEST_SCHEMAS.TenantPreferenceSetRequest,
  InlineTenantPreferenceSetRequest: ENTITY_REQUEST_SCHEMAS.InlineTenantPreferenceSetRequest,
  Tenant: {
    type: 'object',
    description: 'A tenant entity; its custom properties sit beside these fields.',
    properties: {
      __typename: { const: 'Tenant' },
      id: { type: 'string', description: 'The unique identifier for the tenant.' },
      name: { type: ['string', 'null'], description: 'An optional name for the tenant.' },
      settings: {
        type: 'object',
        properties: { branding: nullable(ref('TenantBranding')), preference_set: nullable(ref('TenantPreferenceSet')) },
        required: ['branding', 'preference_set'],
        additionalProperties: false,
      },
    },
    required: ['__typename', 'id', 'name', 'settings'],
    additionalProperties: true,
  },
  TenantRequest: ENTITY_REQUEST_SCHEMAS.TenantRequest,
  ListTenantsResponse: {
    type: 'object',
    description: 'A page of tenants, newest first.',
    properties: { entries: { type: 'array', items: ref('Tenant') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
};

const tenantId = { name: 'id', in: 'path', required: true, description: 'The unique identifier for the tenant.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } };
const resolve = {
  name: 'resolve_full_preference_settings',
  in: 'query',
  required: false,
  description: "When true, `settings.preference_set` is the tenant's set merged over the environment's default set.",
  schema: { type: 'boolean', default: false },
};

export const tenantsPaths: Paths = {
  '/v1/tenants': {
    get: {
      operationId: 'listTenants',
      tags: ['Tenants'],
      summary: 'List tenants',
      description: "The environment's tenants, newest first, with cursor pagination. Rate tier 4.",
      parameters: [
        { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after`).', schema: { type: 'string' } },
        { name: 'before', in: 'query', required: false, description: 'The cursor to fetch entries before (`page_info.before`).', schema: { type: 'string' } },
        { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
        { name: 'name', in: 'query', required: false, description: 'Only tenants with exactly this name.', schema: { type: 'string' } },
        { name: 'tenant_id', in: 'query', required: false, description: 'Only the tenant with this id.', schema: { type: 'string' } },
      ],
      responses: { '200': response('A page of tenants.', ref('ListTenantsResponse')), ...v1Errors('422') },
    },
  },
  '/v1/tenants/{id}': {
    get: {
      operationId: 'getTenant',
      tags: ['Tenants'],
      summary: 'Get a tenant',
      description: 'Rate tier 4.',
      parameters: [tenantId, resolve],
      responses: { '200': response('The tenant.', ref('Tenant')), ...v1Errors('404', '422') },
    },
    put: {
      operationId: 'setTenant',
      tags: ['Tenants'],
      summary: 'Set a tenant',
      description: 'Creates the tenant or updates it: properties and branding merge, `settings.preference_set` merges unless it says `__persistence_strategy__: "replace"`; inline `preferences.default` then merges into it, and inline `channel_data` replaces each channel named, in the same transaction. Rate tier 3.',
      parameters: [tenantId, resolve],
      requestBody: { required: false, content: json(ref('TenantRequest')) },
      responses: { '200': response('The tenant as stored.', ref('Tenant')), ...v1BodyErrors() },
    },
    delete: {
      operationId: 'deleteTenant',
      tags: ['Tenants'],
      summary: 'Delete a tenant',
      description: "Removes the tenant, its default set, every user's and object's preference set for it and its audience memberships (those in chunks, without long locks). Users' unsubscribe events naming it stay. 204 also when there was no such tenant. Rate tier 3.",
      parameters: [tenantId],
      responses: { '204': { description: 'Removed.' }, ...v1Errors('422') },
    },
  },
};
