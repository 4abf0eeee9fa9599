import { USERS_COLLECTION, type WebhookEventType } from '@prefs/core';
import type { Queryable } from '../client';
import { RESOURCE_COLUMNS } from '../operations/resource';

/**
 * The outbox: an event is recorded by the statement (or in the transaction) that makes the change it
 * reports, so a change is never committed without its event nor an event without its change. It is
 * recorded only when an enabled endpoint of the environment wants its type, with one pending delivery
 * per such endpoint; the workers send those (deliveries.ts).
 */

/** The `webhook-id` of a new event: `msg_` and 32 hex digits, made by PostgreSQL. */
const NEW_EVENT_ID = `'msg_' || replace(gen_random_uuid()::text, '-', '')`;

const WANTS = (endpoint: string, source: string) =>
  `${endpoint}.environment_id = ${source}.environment_id AND ${endpoint}.enabled AND ${source}.type = ANY(${endpoint}.events)`;

/**
 * Common table expressions (to follow others in a WITH) that record one event for each row of `source`,
 * a query or CTE name with columns `environment_id`, `type` and `data` (jsonb).
 */
export function webhookEventCtes(source: string): string {
  return `webhook_event_source AS (SELECT environment_id, type, data FROM ${source}),
  webhook_event AS (
    INSERT INTO webhook_events (id, environment_id, type, data)
    SELECT ${NEW_EVENT_ID}, s.environment_id, s.type, s.data FROM webhook_event_source s
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE ${WANTS('e', 's')})
    RETURNING id, environment_id, type),
  webhook_delivery AS (
    INSERT INTO webhook_deliveries (environment_id, endpoint_id, event_id, event_type)
    SELECT ev.environment_id, e.id, ev.id, ev.type FROM webhook_event ev JOIN webhook_endpoints e ON ${WANTS('e', 'ev')})`;
}

/**
 * What a statement that may end an operation returns for its event (its RETURNING list): the
 * operation as readers see it, and its environment.
 */
export const OPERATION_EVENT_COLUMNS = `${RESOURCE_COLUMNS}, environment_id`;

const RESOURCE_COLUMN_NAMES = RESOURCE_COLUMNS.split(',').map((column) => column.trim());

/**
 * The CTEs that record `bulk_operation.completed` or `.failed` for the operations that `ended` (a CTE
 * returning OPERATION_EVENT_COLUMNS) left completed or failed. The data is the row as readers see it,
 * rendered as the API's BulkOperation when sent (events.ts).
 */
export function operationEventCtes(ended: string): string {
  const snapshot = `(SELECT to_jsonb(snap) FROM (SELECT ${RESOURCE_COLUMN_NAMES.map((column) => `o.${column}`).join(', ')}) snap)`;
  return `operation_event AS (
    SELECT o.environment_id, 'bulk_operation.' || o.status AS type, ${snapshot} AS data
    FROM ${ended} o WHERE o.status IN ('completed', 'failed')),
  ${webhookEventCtes('operation_event')}`;
}

/** Who made a change, as the consent history names it: `api` (with the key's prefix), `browser` (the token's `sub`), ... */
export interface ChangeSource {
  source: string;
  actor: string;
}

/**
 * The CTEs that record a `preference_set.*` event for each row of `changed` (a CTE with columns
 * environment_id, recipient_collection, recipient_id, set_id, preferences; a user's collection is shown as null), `source` and `actor` being SQL text (parameters). The
 * set is rendered as the API's PreferenceSet when sent (events.ts).
 */
export function preferenceSetEventCtes(changed: string, type: 'preference_set.updated' | 'preference_set.deleted', source: string, actor: string): string {
  return `preference_set_event AS (
    SELECT c.environment_id, '${type}'::text AS type,
      jsonb_build_object('recipient', jsonb_build_object('id', c.recipient_id, 'collection', NULLIF(c.recipient_collection, '${USERS_COLLECTION}')), 'set_id', c.set_id,
                         'preference_set', c.preferences, 'source', ${source}::text, 'actor', ${actor}::text) AS data
    FROM ${changed} c),
  ${webhookEventCtes('preference_set_event')}`;
}

/** Records one event in the caller's transaction (or alone), for changes made outside a single statement. */
export async function recordWebhookEvent(tx: Queryable, environmentId: string, type: WebhookEventType, data: unknown): Promise<void> {
  await tx.$executeRawUnsafe(
    `WITH new_event AS (SELECT $1::uuid AS environment_id, $2::text AS type, $3::jsonb AS data), ${webhookEventCtes('new_event')} SELECT 1`,
    environmentId,
    type,
    JSON.stringify(data),
  );
}
