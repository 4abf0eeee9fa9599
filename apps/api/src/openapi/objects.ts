import { ENTITY_REQUEST_SCHEMAS, MAX_ID_LENGTH, PATTERNS } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { json, keysetPageParameters, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI: Knock's objects (list, set, get, delete), recipients named by a collection and an id. */

const objectProperties: Record<string, Schema> = {
  __typename: { const: 'Object' },
  id: { type: 'string' },
  collection: { type: 'string' },
  properties: { type: 'object', additionalProperties: true },
  created_at: { type: ['string', 'null'], format: 'date-time', description: 'When the object was first set, or the `created_at` it was given.' },
  updated_at: { type: 'string', format: 'date-time' },
};
const objectRequired = ['__typename', 'id', 'collection', 'properties', 'created_at', 'updated_at'];

export const objectsSchemas: Record<string, Schema> = {
  Object: {
    type: 'object',
    description: 'A set object of a collection: its properties (the known `name`, `locale`, `timezone` and custom ones) under `properties`.',
    properties: objectProperties,
    required: objectRequired,
    additionalProperties: false,
  },
  ObjectWithPreferences: {
    type: 'object',
    description: 'An Object of a listing with `include[]=preferences`: with its `default` set as `preferences` (every field null when none is stored).',
    properties: { ...objectProperties, preferences: ref('PreferenceSet') },
    required: [...objectRequired, 'preferences'],
    additionalProperties: false,
  },
  SetObjectRequest: ENTITY_REQUEST_SCHEMAS.SetObjectRequest,
  ListObjectsResponse: {
    type: 'object',
    description: 'A page of objects of one collection, newest first.',
    properties: { entries: { type: 'array', items: { anyOf: [ref('Object'), ref('ObjectWithPreferences')] } }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
};

/** The `collection` path parameter of every objects route. */
export const collectionParameter = {
  name: 'collection',
  in: 'path',
  required: true,
  description: 'The collection: 1 to 255 letters, digits, `_`, `-` or `.`. Names starting with `$` are reserved (422).',
  schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH, pattern: PATTERNS.collection },
};
/** An object id in the path, under `name` (Knock's document says `id` or `object_id`, by route). */
export const objectIdParameter = (name: 'id' | 'object_id') => ({
  name,
  in: 'path',
  required: true,
  description: 'The unique identifier of the object (the rules of user ids).',
  schema: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH },
});

const objectParameters = [collectionParameter, objectIdParameter('id')];

export const objectsPaths: Paths = {
  '/v1/objects/{collection}': {
    get: {
      operationId: 'listObjects',
      tags: ['Objects'],
      summary: 'List objects in a collection',
      description: "The collection's objects, newest first (by `created_at`), with cursor pagination; `include[]=preferences` adds each one's `default` set. Rate tier 4.",
      parameters: [
        collectionParameter,
        { name: 'include[]', in: 'query', required: false, description: '`preferences`: each object with its default set.', schema: { type: 'array', items: { enum: ['preferences'] } } },
        ...keysetPageParameters(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
      ],
      responses: { '200': response('A page of objects.', ref('ListObjectsResponse')), ...v1Errors('422') },
    },
  },
  '/v1/objects/{collection}/{id}': {
    get: {
      operationId: 'getObject',
      tags: ['Objects'],
      summary: 'Get an object',
      description: 'The set object; 404 when never set. Rate tier 4.',
      parameters: objectParameters,
      responses: { '200': response('The object.', ref('Object')), ...v1Errors('404', '422') },
    },
    put: {
      operationId: 'setObject',
      tags: ['Objects'],
      summary: 'Set an object',
      description: 'Creates the object or merges the properties sent into its stored ones. Rate tier 3.',
      parameters: objectParameters,
      requestBody: { required: false, content: json(ref('SetObjectRequest')) },
      responses: { '200': response('The object as stored.', ref('Object')), ...v1BodyErrors() },
    },
    delete: {
      operationId: 'deleteObject',
      tags: ['Objects'],
      summary: 'Delete an object',
      description: 'Removes the object with its properties, preference sets, channel data and subscriptions (as subscriber and as the object), together; 204 also when there was nothing of it. Rate tier 3.',
      parameters: objectParameters,
      responses: { '204': { description: 'Removed.' }, ...v1Errors('422') },
    },
  },
};
