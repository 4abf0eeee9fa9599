import { idSchema, MAX_AUDIENCE_MEMBERS } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { json, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI: Knock's audience members (add with `create_audience`, list, remove). */

export const audiencesSchemas: Record<string, Schema> = {
  AudienceMemberRequest: {
    type: 'object',
    description: 'A user (identified as `PUT /v1/users/{id}` would, with its `id`) and, optionally, the tenant the membership is for.',
    properties: {
      user: { allOf: [ref('IdentifyUserRequest'), { type: 'object', properties: { id: true }, required: ['id'] }] },
      tenant: { anyOf: [idSchema(), { type: 'null' }] },
    },
    required: ['user'],
    additionalProperties: false,
  },
  AudienceMembersRequest: {
    type: 'object',
    properties: { members: { type: 'array', minItems: 1, maxItems: MAX_AUDIENCE_MEMBERS, items: ref('AudienceMemberRequest') } },
    required: ['members'],
    additionalProperties: false,
  },
  AudienceMember: {
    type: 'object',
    properties: {
      __typename: { const: 'AudienceMember' },
      added_at: { type: 'string', format: 'date-time' },
      user_id: { type: 'string' },
      tenant: { type: ['string', 'null'] },
      user: ref('User'),
    },
    required: ['__typename', 'added_at', 'user_id', 'tenant', 'user'],
    additionalProperties: false,
  },
  ListAudienceMembersResponse: {
    type: 'object',
    properties: { entries: { type: 'array', items: ref('AudienceMember') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
};

const key = { name: 'key', in: 'path', required: true, description: "The audience's key.", schema: idSchema() };

export const audiencesPaths: Paths = {
  '/v1/audiences/{key}/members': {
    post: {
      operationId: 'addAudienceMembers',
      tags: ['Audiences'],
      summary: 'Add members to an audience',
      description: `Identifies each user (its properties merged) and adds the memberships, in one transaction; an existing membership stays. 404 when the audience does not exist, unless \`create_audience=true\`. At most ${MAX_AUDIENCE_MEMBERS} members. Rate tier 3.`,
      parameters: [key, { name: 'create_audience', in: 'query', required: false, description: 'Create the audience when it does not exist.', schema: { type: 'boolean' } }],
      requestBody: { required: true, content: json(ref('AudienceMembersRequest')) },
      responses: { '204': { description: 'Added.' }, ...v1BodyErrors('404') },
    },
    get: {
      operationId: 'listAudienceMembers',
      tags: ['Audiences'],
      summary: "List an audience's members",
      description: 'Newest first, each with its user; cursor-paged (`page_size`, `after`: beyond Knock, whose listing takes none). 404 when the audience does not exist. Rate tier 4.',
      parameters: [
        key,
        { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after`).', schema: { type: 'string' } },
        { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
      ],
      responses: { '200': response('A page of members.', ref('ListAudienceMembersResponse')), ...v1Errors('404', '422') },
    },
    delete: {
      operationId: 'removeAudienceMembers',
      tags: ['Audiences'],
      summary: 'Remove members from an audience',
      description: 'Removes these memberships (each for its tenant, or for none); those that do not exist are ignored. 404 when the audience does not exist. Rate tier 3.',
      parameters: [key],
      requestBody: { required: true, content: json(ref('AudienceMembersRequest')) },
      responses: { '204': { description: 'Removed.' }, ...v1BodyErrors('404') },
    },
  },
};
