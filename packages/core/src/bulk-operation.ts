/** The BulkOperation resource (spec section 1); its statuses and names are in `contract.ts`. */

import { BULK_OPERATION_NAMES, BULK_OPERATION_STATUSES, PERSISTENCE_STRATEGIES, type BulkOperationStatus } from './contract';

/**
 * Statuses, operation names and strategies of bulk operations, together: the database's CHECK
 * constraints and its index of unfinished operations are tested against this (packages/db/test).
 */
export const BULK_OPERATIONS = {
  statuses: BULK_OPERATION_STATUSES,
  /** Operations still to run: the ordering check and the reconciler look only at these. */
  unfinishedStatuses: ['queued', 'processing'] satisfies BulkOperationStatus[],
  /** Each name is a kind of work (how one batch is written lives with the kind, in @prefs/db). */
  names: Object.values(BULK_OPERATION_NAMES),
  /** How a preference write meets the stored set; operations of other kinds have none. */
  strategies: PERSISTENCE_STRATEGIES,
} as const;

export type BulkOperationName = (typeof BULK_OPERATIONS.names)[number];

export interface BulkOperationErrorItem {
  id: string;
  collection: string | null;
}

/** An error item as stored: with why it failed (`GET /v1/bulk_operations/:id/items` shows it). */
export interface StoredErrorItem extends BulkOperationErrorItem {
  reason?: string;
}

/** Why an item of an operation failed (`reason` of a failed item). */
export const ERROR_ITEM_REASONS = {
  /** Merge: the stored set is not a JSON object (only a hand-edited row is), so nothing merges into it. */
  storedSetNotObject: 'stored_set_not_object',
  /** The set would pass its size limit once written. */
  preferenceSetTooLarge: 'preference_set_too_large',
  /** A new set for a recipient already holding as many as it may. */
  tooManyPreferenceSets: 'too_many_preference_sets',
  /** Merged custom properties would pass what one record may hold. */
  propertiesTooLarge: 'properties_too_large',
} as const;

/** Why an operation failed, as the API shows it (the stored reason, for operators, says more). */
export const BULK_OPERATION_FAILURE_REASONS = {
  /** Ended by `POST /v1/bulk_operations/:id/cancel`. */
  cancelled: 'cancelled',
  /** Its batch lost the database three times in a row. */
  databaseLost: 'database_lost_during_batch',
  /** Any other failure: a permanent error, or transient ones past the retries. */
  error: 'error',
} as const;

export type BulkOperationFailureReason = (typeof BULK_OPERATION_FAILURE_REASONS)[keyof typeof BULK_OPERATION_FAILURE_REASONS];

export interface BulkOperationResource {
  __typename: 'BulkOperation';
  id: string;
  name: string;
  status: BulkOperationStatus;
  estimated_total_rows: number;
  processed_rows: number;
  success_count: number;
  error_count: number;
  error_items: BulkOperationErrorItem[];
  progress_path: string;
  inserted_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  /** Null unless `failed` (beyond Knock): `cancelled`, `database_lost_during_batch` or `error`. */
  failure_reason: BulkOperationFailureReason | null;
  /** When a cancel was asked for (beyond Knock); stays on an operation that completed before it took effect. */
  cancel_requested_at: string | null;
  /** When the cancel took effect (beyond Knock): the operation is then `failed`, `failure_reason` `cancelled`. */
  cancelled_at: string | null;
}

/** One key of an operation and what became of it (`GET /v1/bulk_operations/:id/items`). */
export interface BulkOperationItem {
  id: string;
  collection: string | null;
  status: BulkOperationItemStatus;
  /** Why a failed item failed. */
  reason?: string;
}

/**
 * An item's outcome: written, refused (an error item), not reached yet (`pending`), or never reached
 * because the operation ended first (`skipped`: cancelled, or failed).
 */
export const BULK_OPERATION_ITEM_STATUSES = ['succeeded', 'failed', 'pending', 'skipped'] as const;
export type BulkOperationItemStatus = (typeof BULK_OPERATION_ITEM_STATUSES)[number];
