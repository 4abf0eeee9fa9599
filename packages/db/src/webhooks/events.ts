import type { WebhookEventType } from '@prefs/core';
import { toBulkOperationResource, type BulkOperationRow } from '../operations/resource';

/**
 * The body of an event as sent (Standard Webhooks: `{ type, timestamp, data }`). Operation events keep
 * the operation's row as readers see it (outbox.ts) and are rendered as the API's BulkOperation here, by
 * the same function that renders it for GET /v1/bulk_operations/:id; other events keep their data as sent.
 */

/** The row as the driver would have read it: its timestamps (every `*_at` column) as dates, not JSON text. */
function operationOf(stored: Record<string, unknown>): unknown {
  const row: Record<string, unknown> = { ...stored };
  for (const [column, value] of Object.entries(row)) {
    if (column.endsWith('_at') && typeof value === 'string') row[column] = new Date(value);
  }
  return toBulkOperationResource(row as unknown as BulkOperationRow);
}

export function webhookEventBody(event: { type: WebhookEventType; data: unknown; eventAt: Date }): string {
  const data = event.type.startsWith('bulk_operation.') ? operationOf(event.data as Record<string, unknown>) : event.data;
  return JSON.stringify({ type: event.type, timestamp: event.eventAt.toISOString(), data });
}
