import { toPreferenceSetResource, type PreferenceDocument, type WebhookEventType } from '@prefs/core';
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

/** A preference set event keeps the set as stored; it is sent as the API's PreferenceSet. */
function preferenceSetEventOf(stored: Record<string, unknown>): unknown {
  return { ...stored, preference_set: toPreferenceSetResource(String(stored.set_id), stored.preference_set as PreferenceDocument | null) };
}

export function webhookEventBody(event: { type: WebhookEventType; data: unknown; eventAt: Date }): string {
  const stored = event.data as Record<string, unknown>;
  const data = event.type.startsWith('bulk_operation.') ? operationOf(stored) : event.type.startsWith('preference_set.') ? preferenceSetEventOf(stored) : event.data;
  return JSON.stringify({ type: event.type, timestamp: event.eventAt.toISOString(), data });
}
