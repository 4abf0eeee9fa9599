import { ENTITY_REQUEST_SCHEMAS, MAX_ID_LENGTH, PATTERNS, USER_STRING_PROPERTIES } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { json, keysetPageParameters, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI: Knock's users (identify, get, delete). */


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
  IdentifyUserRequest: ENTITY_REQUEST_SCHEMAS.IdentifyUserRequest,
  InlinePreferenceSetRequest: ENTITY_REQUEST_SCHEMAS.InlinePreferenceSetRequest,
  InlineChannelDataRequest: ENTITY_REQUEST_SCHEMAS.InlineChannelDataRequest,
  MergeUserRequest: {
    type: 'object',
    description: 'The user to merge from: folded into the user of the path, then deleted.',
    properties: { from_user_id: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH, pattern: PATTERNS.idText } },
    required: ['from_user_id'],
    additionalProperties: false,
  },
  ListUsersResponse: {
    type: 'object',
    description: 'A page of users, newest first; with `include[]=preferences` each carries `preferences`, its `default` set (every field null when none is stored).',
    properties: {
      entries: { type: 'array', items: { allOf: [ref('User'), { type: 'object', properties: { preferences: ref('PreferenceSet') } }] } },
      page_info: ref('PageInfo'),
    },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
};

const userId = { name: 'id', in: 'path', required: true, description: 'The unique identifier of the user.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } };

export const usersPaths: Paths = {
  '/v1/users/{id}/merge': {
    post: {
      operationId: 'mergeUser',
      tags: ['Users'],
      summary: 'Merge two users',
      description:
        "In one transaction: the target's properties win over the source's; preference sets the target lacks move over and sets both hold are deep-merged, the target winning; channel data is united per channel (list entries of both, the target's fields winning); audience memberships and unsubscribe events move; the source is then deleted. The target is created when new. 404 when `from_user_id` was never identified; 422 for merging a user into itself. Rate tier 2.",
      parameters: [userId],
      requestBody: { required: true, content: json(ref('MergeUserRequest')) },
      responses: { '200': response('The merged user.', ref('User')), ...v1BodyErrors('404') },
    },
  },
  '/v1/users': {
    get: {
      operationId: 'listUsers',
      tags: ['Users'],
      summary: 'List users',
      description: "The environment's identified users, newest first (by `created_at`), with cursor pagination. Rate tier 4.",
      parameters: [
        { name: 'include[]', in: 'query', required: false, description: '`preferences`: each user with its default set.', schema: { type: 'array', items: { enum: ['preferences'] } } },
        ...keysetPageParameters(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
      ],
      responses: { '200': response('A page of users.', ref('ListUsersResponse')), ...v1Errors('422') },
    },
  },
  '/v1/users/{id}': {
    get: {
      operationId: 'getUser',
      tags: ['Users'],
      summary: 'Get a user',
      description: 'The identified user; 404 when never identified. Rate tier 4.',
      parameters: [userId],
      responses: { '200': response('The user.', ref('User')), ...v1Errors('404', '422') },
    },
    put: {
      operationId: 'identifyUser',
      tags: ['Users'],
      summary: 'Identify a user',
      description: 'Creates the user or merges the properties sent into its stored ones. Inline `preferences` merge into the stored sets and inline `channel_data` replaces each channel named, in the same transaction: a set too large once merged (422 `preference_set_too_large` naming `preferences.<set id>`) or a new set past the limit (422 `too_many_preference_sets`) writes nothing of the request. Rate tier 3.',
      parameters: [userId],
      requestBody: { required: false, content: json(ref('IdentifyUserRequest')) },
      responses: { '200': response('The user as stored.', ref('User')), ...v1BodyErrors() },
    },
    delete: {
      operationId: 'deleteUser',
      tags: ['Users'],
      summary: 'Delete a user',
      description: 'Removes the user with its properties, preference sets, channel data and audience memberships, together; 204 also when there was nothing of it. Rate tier 3.',
      parameters: [userId],
      responses: { '204': { description: 'Removed.' }, ...v1Errors('422') },
    },
  },
};
