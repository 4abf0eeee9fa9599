import { BULK_OPERATION_FAILURE_REASONS, BULK_OPERATION_ITEM_STATUSES, BULK_OPERATION_NAMES, BULK_OPERATION_STATUSES, ERROR_ITEM_REASONS } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { optionalTimestamp, ref, response, timestamp, v1Errors, type Paths, type Schema } from './components';

/** Bulk operations: asynchronous changes across many users, their progress, and the list of them. */

export const bulkOperationsSchemas: Record<string, Schema> = {
  BulkOperation: {
    type: 'object',
    description: 'A bulk operation entity: a set of changes applied asynchronously, with its progress.',
    properties: {
      __typename: { const: 'BulkOperation' },
      id: { type: 'string', format: 'uuid', description: 'Unique identifier for the bulk operation.' },
      name: { type: 'string', enum: Object.values(BULK_OPERATION_NAMES), description: 'The name of the bulk operation.' },
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
      failure_reason: {
        type: ['string', 'null'],
        enum: [...Object.values(BULK_OPERATION_FAILURE_REASONS), null],
        description: 'Beyond Knock: why a failed operation failed (`cancelled` for a cancelled one); null unless failed.',
      },
      cancel_requested_at: optionalTimestamp(
        'Beyond Knock: when a cancel was asked for. It stays on an operation whose last batch committed before the cancel took effect (then `completed`).',
      ),
      cancelled_at: optionalTimestamp('Beyond Knock: when the cancel took effect; the operation is then `failed` with `failure_reason` `cancelled`.'),
    },
    required: [
      '__typename', 'id', 'name', 'status', 'estimated_total_rows', 'processed_rows', 'success_count', 'error_count',
      'error_items', 'progress_path', 'inserted_at', 'updated_at', 'started_at', 'completed_at', 'failed_at',
      'failure_reason', 'cancel_requested_at', 'cancelled_at',
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
  BulkOperationItem: {
    type: 'object',
    description: 'One key of a bulk operation (a user or tenant id) and what became of it.',
    properties: {
      id: { type: 'string' },
      collection: { type: ['string', 'null'], description: 'The collection of an object; null for users and tenants.' },
      status: {
        type: 'string',
        enum: [...BULK_OPERATION_ITEM_STATUSES],
        description: 'Written (`succeeded`), refused (`failed`, one of `error_items`), not reached yet (`pending`), or never reached because the operation ended first (`skipped`: cancelled or failed).',
      },
      reason: { type: 'string', enum: Object.values(ERROR_ITEM_REASONS), description: 'Why a failed item failed.' },
    },
    required: ['id', 'collection', 'status'],
    additionalProperties: false,
  },
  ListBulkOperationItemsResponse: {
    type: 'object',
    description: "A page of an operation's items, in the order its batches write them.",
    properties: { entries: { type: 'array', items: ref('BulkOperationItem') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
  ListBulkOperationsResponse: {
    type: 'object',
    description: 'A page of bulk operations, newest first.',
    properties: { entries: { type: 'array', items: ref('BulkOperation') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
};

/** The answers of the operations' own endpoints that no other endpoint gives. */
export const bulkOperationsResponses: Record<string, Schema> = {
  ItemsPruned: response(
    "`bulk_operation_items_pruned`: the operation's input, and with it the list of its items, was pruned OPERATION_RETENTION_DAYS after it ended.",
    ref('Error'),
  ),
  BulkOperationFinished: response('`bulk_operation_finished`: the operation had completed or failed before the cancel was asked for.', ref('Error')),
};

export const bulkOperationsPaths: Paths = {
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
      responses: { '200': response('A page of bulk operations.', ref('ListBulkOperationsResponse')), ...v1Errors('422') },
    },
  },
  '/v1/bulk_operations/{id}': {
    get: {
      operationId: 'getBulkOperation',
      tags: ['Bulk operations'],
      summary: 'Get a bulk operation',
      description: 'The current state of a bulk operation. Rate tier 4.',
      parameters: [{ name: 'id', in: 'path', required: true, description: 'The ID of the bulk operation to retrieve.', schema: { type: 'string' } }],
      responses: { '200': response('The bulk operation.', ref('BulkOperation')), ...v1Errors('404') },
    },
  },
  '/v1/bulk_operations/{id}/items': {
    get: {
      operationId: 'listBulkOperationItems',
      tags: ['Bulk operations'],
      summary: "List a bulk operation's items (beyond Knock)",
      description:
        'Every key of the operation with its outcome, in the order its batches write them, cursor-paged; failed items say why. Served while ' +
        'the operation keeps its input (OPERATION_RETENTION_DAYS after it ended); after that, 410. Rate tier 4.',
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'The ID of the bulk operation.', schema: { type: 'string' } },
        { name: 'status', in: 'query', required: false, description: 'Only items with this outcome; all when absent.', schema: { type: 'string', enum: [...BULK_OPERATION_ITEM_STATUSES] } },
        { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
        { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after` of the previous page).', schema: { type: 'string' } },
      ],
      responses: {
        '200': response('A page of items.', ref('ListBulkOperationItemsResponse')),
        ...v1Errors('404', '422'),
        '410': { $ref: '#/components/responses/ItemsPruned' },
      },
    },
  },
  '/v1/bulk_operations/{id}/cancel': {
    post: {
      operationId: 'cancelBulkOperation',
      tags: ['Bulk operations'],
      summary: 'Cancel a bulk operation (beyond Knock)',
      description:
        'Ends an unfinished operation as `failed` with `failure_reason` `cancelled` and `cancelled_at`. A queued one ends at once; a ' +
        'processing one after the batch in flight, which lands whole, and no batch starts after the answer: `processed_rows` is what was ' +
        'written. Cancelling a cancelled operation answers it again; one that had completed or failed before answers 422 ' +
        '`bulk_operation_finished`. If its last batch committed while the cancel waited for it, the answer is the completed operation, with ' +
        '`cancel_requested_at`. A later operation waiting on a cancelled one proceeds. Rate tier 3.',
      parameters: [{ name: 'id', in: 'path', required: true, description: 'The ID of the bulk operation to cancel.', schema: { type: 'string' } }],
      responses: {
        '200': response('The bulk operation as it stands after the cancel.', ref('BulkOperation')),
        ...v1Errors('404'),
        '422': { $ref: '#/components/responses/BulkOperationFinished' },
      },
    },
  },
};
