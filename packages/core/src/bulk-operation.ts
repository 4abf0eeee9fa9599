import { PERSISTENCE_STRATEGIES } from './preference-set';

/** The BulkOperation resource (spec section 1). */

/**
 * What the database's CHECK constraints, its index of unfinished operations, the workers and the API
 * agree on about bulk operations, in one place (a test compares the database with it).
 */
export const BULK_OPERATIONS = {
  statuses: ['queued', 'processing', 'completed', 'failed'],
  /** Operations still to run: the ordering check and the reconciler look only at these. */
  unfinishedStatuses: ['queued', 'processing'],
  /** Each name is a kind of work (how one batch is written lives with the kind, in @prefs/db). */
  names: ['users.set_preferences', 'tenants.set', 'users.identify'],
  /** How a preference write meets the stored set; operations of other kinds have none. */
  strategies: PERSISTENCE_STRATEGIES,
} as const;

export type BulkOperationStatus = (typeof BULK_OPERATIONS.statuses)[number];
export type BulkOperationName = (typeof BULK_OPERATIONS.names)[number];
export const BULK_OPERATION_STATUSES = BULK_OPERATIONS.statuses;

export const SET_PREFERENCES_OPERATION = 'users.set_preferences' satisfies BulkOperationName;

export interface BulkOperationErrorItem {
  id: string;
  collection: string | null;
}

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
}
