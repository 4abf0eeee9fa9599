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
