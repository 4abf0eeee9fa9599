import { MAX_ID_LENGTH, MAX_PROPERTIES, USER_STRING_PROPERTIES } from '@prefs/core';

/** OpenAPI: Knock's users (identify, get, delete). */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const response = (description: string, schema: Schema) => ({ description, content: json(schema) });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const COMMON_ERRORS = { '401': errorRef('Unauthorized'), '429': errorRef('RateLimited'), '503': errorRef('ServiceUnavailable') };

const knownProperties = Object.fromEntries(
  Object.entries(USER_STRING_PROPERTIES).map(([key, maxLength]) => [key, { type: ['string', 'null'], maxLength }]),
);

export const usersSchemas: Record<string, Schema> = {
  User: {
    type: 'object',
    description: 'An identified user: the known properties (null when unset) and custom ones beside them.',
    properties: {
      __typename: { const: 'User' },
      id: { type: 'string' },
      ...knownProperties,
      created_at: { type: 'string', format: 'date-time', description: 'When the user was first identified, or the `created_at` it was given.' },
      updated_at: { type: 'string', format: 'date-time' },
    },
    required: ['__typename', 'id', ...Object.keys(knownProperties), 'created_at', 'updated_at'],
    additionalProperties: true,
  },
  IdentifyUserRequest: {
    type: 'object',
    description: `Properties to merge into the user (created when new); a null removes one. \`{}\` is valid. At most ${MAX_PROPERTIES} properties, none starting with "__"; \`timezone\` is an IANA zone.`,
    properties: {
      id: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH, description: 'Optional; must match the path.' },
      ...knownProperties,
      created_at: { type: ['string', 'null'], format: 'date-time', description: 'When the user was created in your system.' },
    },
    propertyNames: { not: { enum: ['channel_data', 'preferences', 'updated_at'] } },
    additionalProperties: true,
  },
};

const userId = { name: 'id', in: 'path', required: true, description: 'The unique identifier of the user.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } };

export const usersPaths = {
  '/v1/users/{id}': {
    get: {
      operationId: 'getUser',
      tags: ['Users'],
      summary: 'Get a user',
      description: 'The identified user; 404 when never identified. Rate tier 4.',
      parameters: [userId],
      responses: { '200': response('The user.', ref('User')), '404': errorRef('NotFound'), '422': errorRef('InvalidParams'), ...COMMON_ERRORS },
    },
    put: {
      operationId: 'identifyUser',
      tags: ['Users'],
      summary: 'Identify a user',
      description: 'Creates the user or merges the properties sent into its stored ones. Rate tier 3.',
      parameters: [userId],
      requestBody: { required: false, content: json(ref('IdentifyUserRequest')) },
      responses: {
        '200': response('The user as stored.', ref('User')),
        '400': errorRef('BadRequest'),
        '413': errorRef('PayloadTooLarge'),
        '415': errorRef('UnsupportedMediaType'),
        '422': errorRef('InvalidParams'),
        ...COMMON_ERRORS,
      },
    },
    delete: {
      operationId: 'deleteUser',
      tags: ['Users'],
      summary: 'Delete a user',
      description: 'Removes the user, its properties and every preference set of it, together. 404 when there was neither a user nor a set. Rate tier 3.',
      parameters: [userId],
      responses: { '204': { description: 'Removed.' }, '404': errorRef('NotFound'), '422': errorRef('InvalidParams'), ...COMMON_ERRORS },
    },
  },
};
