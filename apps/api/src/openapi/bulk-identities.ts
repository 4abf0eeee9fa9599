import { ENTITY_REQUEST_SCHEMAS, MAX_BULK_ITEMS, MAX_ID_LENGTH, MAX_SUBSCRIPTION_RECIPIENTS } from '@prefs/core';
import { collectionParameter } from './objects';

/** OpenAPI: bulk tenants set and delete, bulk users identify and delete, bulk objects set and delete: more kinds of bulk operation. */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const response = (description: string, schema: Schema) => ({ description, content: json(schema) });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const COMMON_ERRORS = { '401': errorRef('Unauthorized'), '429': errorRef('RateLimited'), '503': errorRef('ServiceUnavailable') };
export const bulkIdentitiesSchemas: Record<string, Schema> = {
  BulkSetTenantsRequest: ENTITY_REQUEST_SCHEMAS.BulkSetTenantsRequest,
  BulkIdentifyUsersRequest: ENTITY_REQUEST_SCHEMAS.BulkIdentifyUsersRequest,
  BulkDeleteTenantsRequest: ENTITY_REQUEST_SCHEMAS.BulkDeleteTenantsRequest,
  BulkSetObjectsRequest: ENTITY_REQUEST_SCHEMAS.BulkSetObjectsRequest,
};

/**
 * A bulk POST whose input is a JSON body (`request`, a schema's name), or query parameters and an optional
 * body; `pathParameters` name what its path holds (an objects collection).
 */
function bulkPost(operationId: string, tag: string, summary: string, description: string, request: string | { query: Schema[]; body: string }, pathParameters: Schema[] = []) {
  const input = typeof request === 'string'
    ? { parameters: [], requestBody: { required: true, content: json(ref(request)) } }
    : { parameters: request.query, requestBody: { required: false, content: json(ref(request.body)) } };
  return {
    post: {
      operationId,
      tags: [tag],
      summary,
      description: `${description} Answers with the bulk operation (\`queued\`) before the writes happen; poll \`progress_path\` until \`completed\` or \`failed\`. Rate tier 1.`,
      parameters: [...pathParameters, { $ref: '#/components/parameters/IdempotencyKey' }, ...input.parameters],
      requestBody: input.requestBody,
      responses: {
        '200': response('The bulk operation.', ref('BulkOperation')),
        '400': errorRef('BadRequest'),
        '413': errorRef('PayloadTooLarge'),
        '415': errorRef('UnsupportedMediaType'),
        '422': errorRef('InvalidParams'),
        ...COMMON_ERRORS,
      },
    },
  };
}

export const bulkIdentitiesPaths = {
  '/v1/tenants/bulk/set': bulkPost(
    'bulkSetTenants',
    'Tenants',
    'Bulk set tenants',
    `Records a bulk operation (\`tenants.set\`) that sets up to ${MAX_BULK_ITEMS} tenants as \`PUT /v1/tenants/{id}\` would.`,
    'BulkSetTenantsRequest',
  ),
  '/v1/tenants/bulk/delete': bulkPost(
    'bulkDeleteTenants',
    'Tenants',
    'Bulk delete tenants',
    `Records a bulk operation (\`tenants.delete\`) that removes up to ${MAX_BULK_ITEMS} tenants, each with its default set, every user's and object's preference set for it and its audience memberships, in batches that delete those rows in chunks (no long locks); a tenant that does not exist counts as deleted. Users' unsubscribe events naming the tenant stay (their evidence of consent). It orders with \`tenants.set\`. The ids go in the query, as Knock's SDK sends them; the request line and headers are read up to 16 KiB (431 past it), so a longer list goes in the body instead (an extension), never both.`,
    {
      query: [
        {
          name: 'tenant_ids[]',
          in: 'query',
          required: false,
          description: `The tenants to delete: 1 to ${MAX_BULK_ITEMS} ids, the parameter repeated (\`tenant_ids=\` is read too), unless the body names them. A repeated id counts once.`,
          schema: { type: 'array', minItems: 1, maxItems: MAX_BULK_ITEMS, items: { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH } },
        },
      ],
      body: 'BulkDeleteTenantsRequest',
    },
  ),
  '/v1/users/bulk/identify': bulkPost(
    'bulkIdentifyUsers',
    'Users',
    'Bulk identify users',
    `Records a bulk operation (\`users.identify\`) that identifies up to ${MAX_BULK_ITEMS} users as \`PUT /v1/users/{id}\` would.`,
    'BulkIdentifyUsersRequest',
  ),
  '/v1/users/bulk/delete': bulkPost(
    'bulkDeleteUsers',
    'Users',
    'Bulk delete users',
    `Records a bulk operation (\`users.delete\`) that removes up to ${MAX_BULK_ITEMS} users with everything of them (properties, preference sets, channel data, audience memberships, unsubscribe events), in batches; a user that does not exist counts as deleted. It applies after every operation on those users accepted before it, and before every one accepted after it.`,
    'BulkDeleteUsersRequest',
  ),
  '/v1/objects/{collection}/bulk/set': bulkPost(
    'bulkSetObjects',
    'Objects',
    'Bulk set objects',
    `Records a bulk operation (\`objects.set\`) that sets up to ${MAX_BULK_ITEMS} objects of the collection as \`PUT /v1/objects/{collection}/{id}\` would; an object whose properties would pass the stored limits is an error item \`{ id, collection }\`.`,
    'BulkSetObjectsRequest',
    [collectionParameter],
  ),
  '/v1/objects/{collection}/bulk/delete': bulkPost(
    'bulkDeleteObjects',
    'Objects',
    'Bulk delete objects',
    `Records a bulk operation (\`objects.delete\`) that removes up to ${MAX_BULK_ITEMS} objects of the collection with everything of them (properties, preference sets, channel data, their subscriptions as subscriber and as the object), in batches; an object that does not exist counts as deleted. It applies in acceptance order with the collection's other objects operations on the same ids.`,
    'BulkDeleteObjectsRequest',
    [collectionParameter],
  ),
  '/v1/objects/{collection}/bulk/subscriptions/add': bulkPost(
    'bulkAddSubscriptions',
    'Subscriptions',
    'Bulk add subscriptions',
    `Records a bulk operation (\`objects.add_subscriptions\`) that, for up to ${MAX_BULK_ITEMS} entries (an object of the collection and up to ${MAX_SUBSCRIPTION_RECIPIENTS} recipients each), subscribes the recipients as \`POST /v1/objects/{collection}/{object_id}/subscriptions\` would (users sent inline identified first, an existing subscription taking the entry's properties); an object not stored, or one whose entry would grow a user's properties past the stored limits, is an error item \`{ id, collection }\`. Entries of the same object apply in order. It applies in acceptance order with the collection's other objects operations on the same ids.`,
    'BulkAddSubscriptionsRequest',
    [collectionParameter],
  ),
  '/v1/objects/{collection}/bulk/subscriptions/delete': bulkPost(
    'bulkDeleteSubscriptions',
    'Subscriptions',
    'Bulk delete subscriptions',
    `Records a bulk operation (\`objects.delete_subscriptions\`) that, for up to ${MAX_BULK_ITEMS} entries (an object of the collection and up to ${MAX_SUBSCRIPTION_RECIPIENTS} recipients each), removes those subscriptions, skipping those that do not exist. It applies in acceptance order with the collection's other objects operations on the same ids.`,
    'BulkDeleteSubscriptionsRequest',
    [collectionParameter],
  ),
};
