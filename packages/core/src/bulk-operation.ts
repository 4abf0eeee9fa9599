/** The BulkOperation resource (spec section 1). */

export const BULK_OPERATION_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;
export type BulkOperationStatus = (typeof BULK_OPERATION_STATUSES)[number];

export const SET_PREFERENCES_OPERATION = 'users.set_preferences';

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
