import { idSchema, MAX_ID_LENGTH, MAX_SUBSCRIPTION_RECIPIENTS, PATTERNS, SUBSCRIPTION_REQUEST_SCHEMAS } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { json, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI: Knock's subscriptions of objects (list both ways, add, delete) and a user's subscriptions. */

export const subscriptionsSchemas: Record<string, Schema> = {
  ...SUBSCRIPTION_REQUEST_SCHEMAS,
  Recipient: { description: 'A recipient: a user or an object.', oneOf: [ref('User'), ref('Object')] },
  Subscription: {
    type: 'object',
    description: 'A recipient subscribed to an object, both embedded as stored, with the subscription\'s own properties.',
    properties: {
      __typename: { const: 'Subscription' },
      object: ref('Object'),
      recipient: ref('Recipient'),
      properties: { type: ['object', 'null'], additionalProperties: true },
      inserted_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
    required: ['__typename', 'object', 'recipient', 'properties', 'inserted_at', 'updated_at'],
    additionalProperties: false,
  },
  SubscriptionsResponse: { type: 'array', items: ref('Subscription') },
  ListSubscriptionsResponse: {
    type: 'object',
    properties: { entries: { type: 'array', items: ref('Subscription') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
};

const objectPath = [
  { name: 'collection', in: 'path', required: true, description: 'The collection the object belongs to.', schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH, pattern: PATTERNS.collection } },
  { name: 'object_id', in: 'path', required: true, description: "The object's id.", schema: idSchema() },
];

/** A reference filter as Knock's SDK sends it: `name[]=user_id`, or objects as `name[][id]`/`name[][collection]` (or indexed, `name[0][id]`). */
const referencesFilter = (name: string, description: string): Schema => ({
  name: `${name}[]`,
  in: 'query',
  required: false,
  description: `${description} User ids as \`${name}[]=id\`; objects as \`${name}[][id]=id&${name}[][collection]=collection\` or indexed (\`${name}[0][id]\`). At most ${MAX_SUBSCRIPTION_RECIPIENTS}.`,
  schema: { type: 'array', items: { type: 'string' }, maxItems: MAX_SUBSCRIPTION_RECIPIENTS },
});

const paging: Schema[] = [
  { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after`).', schema: { type: 'string' } },
  { name: 'before', in: 'query', required: false, description: 'The cursor to fetch entries before (`page_info.before`).', schema: { type: 'string' } },
  { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
];

const TAGS = ['Subscriptions'];

export const subscriptionsPaths: Paths = {
  '/v1/objects/{collection}/{object_id}/subscriptions': {
    get: {
      operationId: 'listSubscriptionsForObject',
      tags: TAGS,
      summary: "List an object's subscriptions",
      description:
        'With `mode=object` (the default) the recipients subscribed to the object, with `mode=recipient` the objects it subscribes to; newest first, cursor-paged both ways. An object that is not stored has none. Rate tier 4.',
      parameters: [
        ...objectPath,
        { name: 'mode', in: 'query', required: false, description: '`object`: its subscribers; `recipient`: what it subscribes to.', schema: { type: 'string', enum: ['object', 'recipient'], default: 'object' } },
        referencesFilter('recipients', 'Only these subscribers (mode `object`).'),
        referencesFilter('objects', 'Only these objects (mode `recipient`).'),
        ...paging,
      ],
      responses: { '200': response('A page of subscriptions.', ref('ListSubscriptionsResponse')), ...v1Errors('422') },
    },
    post: {
      operationId: 'addSubscriptionsForObject',
      tags: TAGS,
      summary: 'Add subscriptions to an object',
      description:
        `Subscribes up to ${MAX_SUBSCRIPTION_RECIPIENTS} recipients to a stored object (404 when it is not: set it first), in one transaction: users sent inline are identified first (their properties merged), users and objects not stored yet are created; an existing subscription takes the properties sent (none when absent). Answers with the subscriptions as stored. Rate tier 3.`,
      parameters: objectPath,
      requestBody: { required: true, content: json(ref('AddSubscriptionsRequest')) },
      responses: { '200': response('The subscriptions.', ref('SubscriptionsResponse')), ...v1BodyErrors('404') },
    },
    delete: {
      operationId: 'deleteSubscriptionsForObject',
      tags: TAGS,
      summary: 'Delete subscriptions from an object',
      description: `Unsubscribes up to ${MAX_SUBSCRIPTION_RECIPIENTS} recipients from the object; those not subscribed are skipped. Answers with the subscriptions removed. Rate tier 3.`,
      parameters: objectPath,
      requestBody: { required: true, content: json(ref('DeleteSubscriptionsRequest')) },
      responses: { '200': response('The subscriptions removed.', ref('SubscriptionsResponse')), ...v1BodyErrors() },
    },
  },
  '/v1/users/{user_id}/subscriptions': {
    get: {
      operationId: 'listSubscriptionsForUser',
      tags: TAGS,
      summary: "List a user's subscriptions",
      description: 'The objects the user subscribes to, newest first, cursor-paged both ways. Rate tier 4.',
      parameters: [
        { name: 'user_id', in: 'path', required: true, description: 'The unique identifier of the user.', schema: idSchema() },
        referencesFilter('objects', 'Only these objects.'),
        ...paging,
      ],
      responses: { '200': response('A page of subscriptions.', ref('ListSubscriptionsResponse')), ...v1Errors('422') },
    },
  },
};
