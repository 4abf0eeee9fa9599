import { BULK_OPERATION_STATUSES, CHANNEL_TYPES, CONDITION_OPERATORS, MAX_BULK_USERS, MAX_ID_LENGTH } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './routes/bulk-operations';
import { environmentPaths, environmentSchemas } from './openapi/environment';
import { tenantsPaths, tenantsSchemas } from './openapi/tenants';
import { usersPaths, usersSchemas } from './openapi/users';
import { bulkIdentitiesPaths, bulkIdentitiesSchemas } from './openapi/bulk-identities';

/**
 * The OpenAPI 3.1 description of every endpoint this API serves, served at `GET /openapi.json`. Written by
 * hand after Knock's own shapes (names such as BulkOperation, PreferenceSet, PageInfo, Condition match
 * Knock's specification), and kept honest by a test that validates real responses against it. Response
 * objects forbid undocumented properties, so that a field added to a response without being described
 * here fails that test.
 */

type Schema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema>; parameters: Record<string, Schema>; securitySchemes: Record<string, Schema> };
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const response = (description: string, schema: Schema) => ({ description, content: json(schema) });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const timestamp = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
const optionalTimestamp = (description: string): Schema => ({ type: ['string', 'null'], format: 'date-time', description });

/** Errors every authenticated endpoint may answer. */
const COMMON_ERRORS = {
  '401': errorRef('Unauthorized'),
  '429': errorRef('RateLimited'),
  '503': errorRef('ServiceUnavailable'),
};

const channelTypeSetting = { anyOf: [{ type: 'boolean' }, ref('PreferenceSetChannelTypeSetting')] };

/** The fields of a PreferenceSet request: what PUT takes, and (with `id`) the bulk body's `preferences`. */
const preferenceSetRequestProperties: Record<string, Schema> = {
  __persistence_strategy__: {
    type: 'string',
    enum: ['merge', 'replace'],
    default: 'replace',
    description: "'replace' replaces the stored set whole; 'merge' deep-merges into it.",
  },
  categories: { type: ['object', 'null'], additionalProperties: nullable(ref('PreferenceSetWorkflowCategorySetting')) },
  workflows: { type: ['object', 'null'], additionalProperties: nullable(ref('PreferenceSetWorkflowCategorySetting')) },
  channel_types: nullable(ref('PreferenceSetChannelTypes')),
  channels: nullable(ref('PreferenceSetChannels')),
  commercial_subscribed: { anyOf: [{ type: 'boolean' }, ref('PreferenceSetCommercialSubscribedSetting'), { type: 'null' }] },
};

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: 'Every error answer: a stable machine code, a message for people, the HTTP status and a type.',
    properties: {
      code: { type: 'string', examples: ['resource_missing'] },
      message: { type: 'string' },
      status: { type: 'integer' },
      type: { type: 'string', examples: ['invalid_request_error'] },
    },
    required: ['code', 'message', 'status', 'type'],
    additionalProperties: false,
  },
  ValidationError: {
    type: 'object',
    description: '422 invalid_params: names every bad field by its path (e.g. `preferences.channel_types.fax`).',
    properties: {
      code: { const: 'invalid_params' },
      message: { type: 'string' },
      status: { const: 422 },
      type: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { field: { type: 'string' }, message: { type: 'string' }, type: { type: 'string' } },
          required: ['field', 'message', 'type'],
          additionalProperties: false,
        },
      },
    },
    required: ['code', 'message', 'status', 'type', 'errors'],
    additionalProperties: false,
  },
  Condition: {
    type: 'object',
    description: 'A condition evaluated at send time; a `conditions` array is a logical AND.',
    properties: {
      variable: { type: 'string', description: 'The variable to be evaluated in the condition.' },
      operator: { type: 'string', enum: [...CONDITION_OPERATORS] },
      argument: { type: ['string', 'null'], description: 'The argument value to compare against in the condition.' },
    },
    required: ['variable', 'operator', 'argument'],
    additionalProperties: false,
  },
  PreferenceSetChannelTypeSetting: {
    type: 'object',
    description: 'A set of conditions under which a channel type (or channel) is allowed.',
    properties: { conditions: { type: 'array', items: ref('Condition') } },
    required: ['conditions'],
    additionalProperties: false,
  },
  PreferenceSetChannelSetting: { $ref: '#/components/schemas/PreferenceSetChannelTypeSetting' },
  PreferenceSetCommercialSubscribedSetting: { $ref: '#/components/schemas/PreferenceSetChannelTypeSetting' },
  PreferenceSetChannelTypes: {
    type: 'object',
    description: 'Preferences per channel type: a boolean, or conditions.',
    properties: Object.fromEntries(CHANNEL_TYPES.map((type) => [type, channelTypeSetting])),
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
  PreferenceSetRequest: {
    type: 'object',
    description: 'A request to set a preference set for a recipient. An explicit null asks a merge to remove that key.',
    properties: preferenceSetRequestProperties,
    additionalProperties: false,
  },
  BulkSetPreferencesRequest: {
    type: 'object',
    properties: {
      user_ids: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_BULK_USERS,
        items: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH },
        description: `The users to set (1 to ${MAX_BULK_USERS}; duplicates count once).`,
      },
      preferences: {
        type: 'object',
        description: 'The preference set to write, and which set: `id` is `default` (when absent) or a tenant id.',
        properties: {
          id: { type: 'string', default: 'default', minLength: 1, maxLength: MAX_ID_LENGTH },
          ...preferenceSetRequestProperties,
        },
        additionalProperties: false,
      },
    },
    required: ['user_ids', 'preferences'],
    additionalProperties: false,
  },
  BulkOperation: {
    type: 'object',
    description: 'A bulk operation entity: a set of changes applied asynchronously, with its progress.',
    properties: {
      __typename: { const: 'BulkOperation' },
      id: { type: 'string', format: 'uuid', description: 'Unique identifier for the bulk operation.' },
      name: { type: 'string', examples: ['users.set_preferences'], description: 'The name of the bulk operation.' },
      status: { type: 'string', enum: [...BULK_OPERATION_STATUSES], description: 'The status of the bulk operation.' },
      estimated_total_rows: { type: 'integer', minimum: 0, description: 'The number of distinct users accepted.' },
      processed_rows: { type: 'integer', minimum: 0, description: 'Rows handled so far, success or failure.' },
      success_count: { type: 'integer', minimum: 0 },
      error_count: { type: 'integer', minimum: 0 },
      error_items: {
        type: 'array',
        description: 'A list of items that failed to be processed.',
        items: {
          type: 'object',
          properties: { id: { type: 'string' }, collection: { type: ['string', 'null'] } },
          required: ['id', 'collection'],
          additionalProperties: false,
        },
      },
      progress_path: { type: 'string', description: "The URI to the bulk operation's progress." },
      inserted_at: timestamp('Timestamp when the resource was created.'),
      updated_at: timestamp('The timestamp when the resource was last updated.'),
      started_at: optionalTimestamp('Timestamp when the bulk operation was started.'),
      completed_at: optionalTimestamp('Timestamp when the bulk operation was completed.'),
      failed_at: optionalTimestamp('Timestamp when the bulk operation failed.'),
    },
    required: [
      '__typename', 'id', 'name', 'status', 'estimated_total_rows', 'processed_rows', 'success_count', 'error_count',
      'error_items', 'progress_path', 'inserted_at', 'updated_at', 'started_at', 'completed_at', 'failed_at',
    ],
    additionalProperties: false,
  },
  PageInfo: {
    type: 'object',
    description: 'Pagination information for a list of resources.',
    properties: {
      __typename: { const: 'PageInfo' },
      after: { type: ['string', 'null'], description: 'The cursor to fetch entries after (the next, older page).' },
      before: { type: ['string', 'null'], description: 'The cursor to fetch entries before (the previous, newer page).' },
      page_size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, description: `The number of items per page (defaults to ${DEFAULT_PAGE_SIZE}).` },
    },
    required: ['__typename', 'after', 'before', 'page_size'],
    additionalProperties: false,
  },
  ListBulkOperationsResponse: {
    type: 'object',
    description: 'A page of bulk operations, newest first.',
    properties: { entries: { type: 'array', items: ref('BulkOperation') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
  Health: {
    type: 'object',
    properties: { status: { const: 'ok' } },
    required: ['status'],
    additionalProperties: false,
  },
  Readiness: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      checks: {
        type: 'object',
        description: '"ok", or "unavailable: <why>", per dependency.',
        properties: { postgres: { type: 'string' }, redis: { type: 'string' } },
        required: ['postgres', 'redis'],
        additionalProperties: false,
      },
    },
    required: ['status', 'checks'],
    additionalProperties: false,
  },
};

const parameters: Record<string, Schema> = {
  UserId: { name: 'user_id', in: 'path', required: true, description: 'The unique identifier of the user.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } },
  PreferenceSetId: { name: 'id', in: 'path', required: true, description: 'Unique identifier for the preference set: `default` or a tenant id.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'A repeat with the same key in the same environment (within 24 h) returns the original operation; the same key with another body is a 422.',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  },
};

const responses: Record<string, Schema> = {
  BadRequest: response('The request could not be read (malformed JSON, for one).', ref('Error')),
  Unauthorized: response('Missing or unknown secret key.', ref('Error')),
  NotFound: response('No such resource in this environment.', ref('Error')),
  PayloadTooLarge: response('The body is larger than BODY_LIMIT_BYTES.', ref('Error')),
  UnsupportedMediaType: response('The body is not JSON.', ref('Error')),
  InvalidParams: response('Invalid parameters: every bad field is named.', ref('ValidationError')),
  RateLimited: {
    description: "Over the endpoint's rate-limit tier; retry after `Retry-After` seconds.",
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    content: json(ref('Error')),
  },
  ServiceUnavailable: response('PostgreSQL is unavailable; retry shortly.', ref('Error')),
};

const bulkOperationsPaths = {
  '/v1/users/bulk/preferences': {
    post: {
      operationId: 'bulkSetUserPreferences',
      tags: ['Users'],
      summary: 'Bulk set preferences',
      description:
        'Records a bulk operation that sets one preference set for up to 1,000 users, and answers with it (`queued`) before the writes happen; poll `progress_path` until `completed` or `failed`. Rate tier 1.',
      parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
      requestBody: { required: true, content: json(ref('BulkSetPreferencesRequest')) },
      responses: {
        '200': response('The bulk operation.', ref('BulkOperation')),
        '400': errorRef('BadRequest'),
        '413': errorRef('PayloadTooLarge'),
        '415': errorRef('UnsupportedMediaType'),
        '422': errorRef('InvalidParams'),
        ...COMMON_ERRORS,
      },
    },
  },
  '/v1/bulk_operations': {
    get: {
      operationId: 'listBulkOperations',
      tags: ['Bulk operations'],
      summary: 'List bulk operations (beyond Knock)',
      description: "The environment's bulk operations, newest first, with cursor pagination. Rate tier 4.",
      parameters: [
        { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after` of the previous page).', schema: { type: 'string' } },
        { name: 'before', in: 'query', required: false, description: 'The cursor to fetch entries before (`page_info.before`).', schema: { type: 'string' } },
        { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
        { name: 'status', in: 'query', required: false, description: 'Only operations in this status.', schema: { type: 'string', enum: [...BULK_OPERATION_STATUSES] } },
      ],
      responses: { '200': response('A page of bulk operations.', ref('ListBulkOperationsResponse')), '422': errorRef('InvalidParams'), ...COMMON_ERRORS },
    },
  },
  '/v1/bulk_operations/{id}': {
    get: {
      operationId: 'getBulkOperation',
      tags: ['Bulk operations'],
      summary: 'Get a bulk operation',
      description: 'The current state of a bulk operation. Rate tier 4.',
      parameters: [{ name: 'id', in: 'path', required: true, description: 'The ID of the bulk operation to retrieve.', schema: { type: 'string' } }],
      responses: { '200': response('The bulk operation.', ref('BulkOperation')), '404': errorRef('NotFound'), ...COMMON_ERRORS },
    },
  },
};

const preferencePaths = {
  '/v1/users/{user_id}/preferences': {
    get: {
      operationId: 'listUserPreferences',
      tags: ['Users'],
      summary: "List a user's preference sets",
      description: 'Every stored set of the user, a bare JSON array (empty for a user with none). Rate tier 4.',
      parameters: [{ $ref: '#/components/parameters/UserId' }],
      responses: { '200': response('The sets.', { type: 'array', items: ref('PreferenceSet') }), '422': errorRef('InvalidParams'), ...COMMON_ERRORS },
    },
  },
  '/v1/users/{user_id}/preferences/{id}': {
    get: {
      operationId: 'getUserPreferences',
      tags: ['Users'],
      summary: "Get a user's preference set",
      description: 'One set; a user without it gets an empty set (every field null), not 404. Rate tier 4.',
      parameters: [{ $ref: '#/components/parameters/UserId' }, { $ref: '#/components/parameters/PreferenceSetId' }],
      responses: { '200': response('The set.', ref('PreferenceSet')), '422': errorRef('InvalidParams'), ...COMMON_ERRORS },
    },
    put: {
      operationId: 'setUserPreferences',
      tags: ['Users'],
      summary: "Set a user's preference set",
      description: 'Replaces the set, or deep-merges into it with `__persistence_strategy__: "merge"`; returns the stored set. Rate tier 3.',
      parameters: [{ $ref: '#/components/parameters/UserId' }, { $ref: '#/components/parameters/PreferenceSetId' }],
      requestBody: { required: true, content: json(ref('PreferenceSetRequest')) },
      responses: {
        '200': response('The stored set.', ref('PreferenceSet')),
        '400': errorRef('BadRequest'),
        '413': errorRef('PayloadTooLarge'),
        '415': errorRef('UnsupportedMediaType'),
        '422': errorRef('InvalidParams'),
        ...COMMON_ERRORS,
      },
    },
    delete: {
      operationId: 'deleteUserPreferences',
      tags: ['Users'],
      summary: "Delete a user's preference set",
      description: 'Removes the set (idempotent). Rate tier 3.',
      parameters: [{ $ref: '#/components/parameters/UserId' }, { $ref: '#/components/parameters/PreferenceSetId' }],
      responses: { '204': { description: 'Removed (or there was nothing to remove).' }, '422': errorRef('InvalidParams'), ...COMMON_ERRORS },
    },
  },
};

const operatorPaths = {
  '/healthz': {
    get: {
      operationId: 'liveness',
      tags: ['Operations'],
      summary: 'Liveness',
      description: 'The process is up. Workers serve the same on WORKER_PORT.',
      security: [],
      responses: { '200': response('Up.', ref('Health')) },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readiness',
      tags: ['Operations'],
      summary: 'Readiness',
      description: 'PostgreSQL and Redis answer (each within 2 s). Workers serve the same on WORKER_PORT.',
      security: [],
      responses: { '200': response('Ready.', ref('Readiness')), '503': response('A dependency does not answer; `checks` says which.', ref('Readiness')) },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics',
      description: 'The process\'s metrics in the Prometheus text format. Workers serve theirs on WORKER_PORT.',
      security: [],
      responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      tags: ['Operations'],
      summary: 'This document',
      security: [],
      responses: {
        '200': response('The OpenAPI 3.1 document.', {
          type: 'object',
          properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' }, info: { type: 'object' }, paths: { type: 'object' } },
          required: ['openapi', 'info', 'paths'],
        }),
      },
    },
  },
  '/admin/queues': {
    get: {
      operationId: 'queueDashboard',
      tags: ['Operations'],
      summary: 'Queue dashboard (Bull Board)',
      description:
        'The Bull Board dashboard and, under this path, its own JSON API. Only when ADMIN_USER and ADMIN_PASSWORD are set (404 otherwise); read-only unless ADMIN_READ_ONLY=false.',
      security: [{ adminBasicAuth: [] }],
      responses: {
        '200': { description: 'The dashboard page.', content: { 'text/html': { schema: { type: 'string' } } } },
        '401': response('Missing or wrong user name or password.', ref('Error')),
        '404': response('The dashboard is off (no ADMIN_USER and ADMIN_PASSWORD).', ref('Error')),
      },
    },
  },
};

export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'prefs: Knock-compatible preferences API',
    version: '1.0.0',
    description:
      "A self-hostable implementation of Knock's notification-preferences API, centred on bulk set preferences. Authenticate with `Authorization: Bearer <secret key>`. Every response carries `X-Request-ID`.",
  },
  tags: [
    { name: 'Users', description: "Users' preference sets." },
    { name: 'Bulk operations', description: 'Asynchronous changes across many users, and their progress.' },
    { name: 'Operations', description: 'For the people who run the service: health, metrics, dashboard.' },
    { name: 'Tenants', description: 'Tenants: properties, branding and a default preference set.' },
    { name: 'Environment', description: "The environment's default preference set." },
  ],
  security: [{ bearerAuth: [] }],
  paths: {
    ...bulkOperationsPaths,
    ...preferencePaths,
    ...operatorPaths,
    ...environmentPaths,
    ...tenantsPaths,
    ...usersPaths,
    ...bulkIdentitiesPaths,
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'A secret key (`sk_...`) of one environment.' },
      adminBasicAuth: { type: 'http', scheme: 'basic', description: 'ADMIN_USER and ADMIN_PASSWORD.' },
    },
    schemas: { ...schemas, ...environmentSchemas, ...tenantsSchemas, ...usersSchemas, ...bulkIdentitiesSchemas },
    parameters,
    responses,
  },
};
