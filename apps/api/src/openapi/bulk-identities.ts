import { ENTITY_REQUEST_SCHEMAS, MAX_BULK_ITEMS } from '@prefs/core';
import { collectionParameter } from './objects';

/** OpenAPI: bulk tenants set, bulk users identify and delete, bulk objects set and delete: more kinds of bulk operation. */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const response = (description: string, schema: Schema) => ({ description, content: json(schema) });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const COMMON_ERRORS = { '401': errorRef('Unauthorized'), '429': errorRef('RateLimited'), '503': errorRef('ServiceUnavailable') };
export const bulkIdentitiesSchemas: Record<string, Schema> = {
  BulkSetTenantsRequest: ENTITY_REQUEST_SCHEMAS.BulkSetTenantsRequest,
  BulkIdentifyUsersRequest: ENTITY_REQUEST_SCHEMAS.BulkIdentifyUsersRequest,
  BulkSetObjectsRequest: ENTITY_REQUEST_SCHEMAS.BulkSetObjectsRequest,
};

function bulkPost(operationId: string, tag: string, summary: string, description: string, request: string, pathParameters: Schema[] = []) {
  return {
    post: {
      operationId,
      tags: [tag],
      summary,
      description: `${description} Answers with the bulk operation (\`queued\`) before the writes happen; poll \`progress_path\` until \`completed\` or \`failed\`. Rate tier 1.`,
      parameters: [...pathParameters, { $ref: '#/components/parameters/IdempotencyKey' }],
      requestBody: { required: true, content: json(ref(request)) },
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
    `Records a bulk operation (\`objects.delete\`) that removes up to ${MAX_BULK_ITEMS} objects of the collection with everything of them (properties, channel data, their subscriptions as subscriber and as the object), in batches; an object that does not exist counts as deleted. It applies in acceptance order with the collection's other objects operations on the same ids.`,
    'BulkDeleteObjectsRequest',
    [collectionParameter],
  ),
};
