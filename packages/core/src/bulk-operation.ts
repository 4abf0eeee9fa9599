/** The BulkOperation resource (spec section 1); its statuses and names are in `contract.ts`. */

import type { BulkOperationStatus } from './contract';

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
