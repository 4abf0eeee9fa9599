import { UUID, WEBHOOK_LIMITS, type WebhookDeliveryStatus, type WebhookEventType } from '@prefs/core';
import type { Queryable } from '../client';
import { keysetPage, type KeysetPosition } from '../keyset-page';

/**
 * Deliveries: one per event and endpoint, pending until a 2xx or until its attempts run out. A worker
 * takes an endpoint's due deliveries under a lease (so a worker that dies leaves them to be taken again
 * after it: at least once), sends them, and records each attempt; PostgreSQL holds every delivery's
 * state, BullMQ only which endpoint to work on.
 */

export interface WebhookAttempt {
  at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  type: WebhookEventType;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  createdAt: string;
}

/** Attempts a delivery keeps in its history (manual retries may add more than the schedule's). */
const KEPT_ATTEMPTS = 20;

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: WebhookEventType;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  created_at: Date;
}

const COLUMNS = 'id::text, event_id, event_type, status, attempts, created_at';

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return { id: row.id, eventId: row.event_id, type: row.event_type, status: row.status, attempts: row.attempts, createdAt: row.created_at.toISOString() };
}

export interface WebhookDeliveryPage {
  entries: WebhookDelivery[];
  after: KeysetPosition | null;
  before: KeysetPosition | null;
}

/** One page of an endpoint's deliveries, newest first, optionally of one status. */
export async function listWebhookDeliveries(
  db: Queryable,
  args: { environmentId: string; endpointId: string; status: WebhookDeliveryStatus | null; pageSize: number; after?: KeysetPosition | null; before?: KeysetPosition | null },
): Promise<WebhookDeliveryPage> {
  const { endpointId, status, ...page } = args;
  return keysetPage(
    db,
    {
      table: 'webhook_deliveries',
      columns: COLUMNS,
      atColumn: 'created_at',
      idCast: 'uuid',
      filters: { endpoint_id: { value: endpointId, cast: 'uuid' }, status: { value: status, cast: 'text' } },
      toEntry: toDelivery,
      positionOf: (entry) => ({ at: entry.createdAt, id: entry.id }),
    },
    page,
  );
}

/** Makes the delivery due now (one more attempt, whatever it went through); null when there is no such delivery. */
export async function retryWebhookDelivery(db: Queryable, environmentId: string, endpointId: string, id: string): Promise<WebhookDelivery | null> {
  if (!UUID.test(id) || !UUID.test(endpointId)) return null;
  const rows = await db.$queryRawUnsafe<DeliveryRow[]>(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
     WHERE id = $1::uuid AND endpoint_id = $2::uuid AND environment_id = $3::uuid
     RETURNING ${COLUMNS}`,
    id,
    endpointId,
    environmentId,
  );
  return rows[0] ? toDelivery(rows[0]) : null;
}

/** What `pending` and due, not taken by a worker, means; `d` is the delivery. */
const DUE = `d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until <= now())`;

/** Enabled endpoints with deliveries due and not taken, at most `limit`. */
export async function findEndpointsWithDueDeliveries(db: Queryable, limit: number): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT e.id::text FROM webhook_endpoints e
     WHERE e.enabled AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND ${DUE})
     LIMIT $1::int`,
    limit,
  );
  return rows.map((row) => row.id);
}

/** Where and how to send an endpoint's deliveries: its URL and the secrets that sign (the previous one while it still does). */
export interface WebhookTarget {
  id: string;
  url: string;
  secrets: string[];
}

export async function getWebhookTarget(db: Queryable, endpointId: string): Promise<WebhookTarget | null> {
  const rows = await db.$queryRawUnsafe<{ id: string; url: string; secrets: string[] }[]>(
    `SELECT id::text, url,
       CASE WHEN previous_secret IS NOT NULL AND previous_secret_until > now() THEN ARRAY[secret, previous_secret] ELSE ARRAY[secret] END AS secrets
     FROM webhook_endpoints WHERE id = $1::uuid AND enabled`,
    endpointId,
  );
  return rows[0] ?? null;
}

/** A delivery taken by a worker, with its event. */
export interface DueDelivery {
  id: string;
  eventId: string;
  type: WebhookEventType;
  data: unknown;
  /** When the change happened: the body's `timestamp`, and where its delay is measured from. */
  eventAt: Date;
  /** Attempts made before this one. */
  attemptCount: number;
}

/** Takes up to `limit` of the endpoint's due deliveries, oldest first, for `leaseMs`. */
export async function takeDueDeliveries(db: Queryable, endpointId: string, limit: number, leaseMs: number): Promise<DueDelivery[]> {
  const rows = await db.$queryRawUnsafe<{ id: string; event_id: string; type: WebhookEventType; data: unknown; created_at: Date; attempt_count: number }[]>(
    `WITH taken AS (
       UPDATE webhook_deliveries SET lease_until = now() + $3::int * interval '1 millisecond'
       WHERE id IN (SELECT d.id FROM webhook_deliveries d WHERE d.endpoint_id = $1::uuid AND ${DUE}
                    ORDER BY d.next_attempt_at LIMIT $2::int FOR UPDATE SKIP LOCKED)
       RETURNING id, event_id, attempt_count)
     SELECT taken.id::text, taken.event_id, ev.type, ev.data, ev.created_at, taken.attempt_count
     FROM taken JOIN webhook_events ev ON ev.id = taken.event_id ORDER BY ev.created_at`,
    endpointId,
    limit,
    leaseMs,
  );
  return rows.map((row) => ({ id: row.id, eventId: row.event_id, type: row.type, data: row.data, eventAt: row.created_at, attemptCount: row.attempt_count }));
}

/** What an attempt decided: done, try again after `retryInMs`, or given up (`gone`: the endpoint answered 410). */
export type AttemptOutcome =
  | { outcome: 'succeeded' }
  | { outcome: 'retry'; retryInMs: number }
  | { outcome: 'failed'; gone: boolean };

/** One attempt to record: of the delivery taken with `attemptCount` attempts before it. */
export interface RecordedAttempt {
  delivery: { id: string; attemptCount: number };
  attempt: WebhookAttempt;
  decided: AttemptOutcome;
}

/** A batch without a success ($2 false) of an endpoint whose attempts have all failed for longer than $3 ms. */
const FAILED_TOO_LONG = `(NOT s.succeeded AND e.failing_since < now() - $2::int * interval '1 millisecond')`;

/**
 * Records a batch of attempts in one statement (one commit for the batch, not one per delivery), and
 * what they mean for their endpoints: a success ends an endpoint's failing streak; failures only start
 * one (an endpoint failing for 5 days is disabled); a 410 disables it. Returns the ids recorded: a
 * delivery that had moved on (taken again after a lapsed lease) is not.
 */
export async function recordWebhookAttempts(db: Queryable, attempts: RecordedAttempt[]): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const input = attempts.map(({ delivery, attempt, decided }) => ({
    id: delivery.id,
    attempt_count: delivery.attemptCount,
    status: decided.outcome === 'retry' ? 'pending' : decided.outcome,
    attempt,
    retry_ms: decided.outcome === 'retry' ? decided.retryInMs : 0,
    succeeded: decided.outcome === 'succeeded',
    gone: decided.outcome === 'failed' && decided.gone,
  }));
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS i(id uuid, attempt_count int, status text, attempt jsonb, retry_ms int, succeeded boolean, gone boolean)),
     attempted AS (
       UPDATE webhook_deliveries d SET status = i.status, attempt_count = d.attempt_count + 1, lease_until = NULL, updated_at = now(),
         attempts = jsonb_path_query_array(d.attempts || jsonb_build_array(i.attempt), '$[last - ${KEPT_ATTEMPTS - 1} to last]'),
         next_attempt_at = now() + i.retry_ms * interval '1 millisecond'
       FROM input i
       WHERE d.id = i.id AND d.status = 'pending' AND d.attempt_count = i.attempt_count
       RETURNING d.id, d.endpoint_id, i.succeeded, i.gone),
     summary AS (SELECT endpoint_id, bool_or(succeeded) AS succeeded, bool_or(gone) AS gone FROM attempted GROUP BY endpoint_id),
     -- The endpoint's row is written only when its state changes: a busy endpoint's batches do not queue on it.
     endpoint AS (
       UPDATE webhook_endpoints e SET
         failing_since = CASE WHEN s.succeeded THEN NULL ELSE coalesce(e.failing_since, now()) END,
         enabled = CASE WHEN s.gone OR ${FAILED_TOO_LONG} THEN false ELSE e.enabled END,
         disabled_reason = CASE WHEN s.gone THEN 'gone' WHEN ${FAILED_TOO_LONG} THEN 'failing' ELSE e.disabled_reason END,
         updated_at = CASE WHEN s.gone OR ${FAILED_TOO_LONG} THEN now() ELSE e.updated_at END
       FROM summary s WHERE e.id = s.endpoint_id
         AND (s.gone OR (s.succeeded AND e.failing_since IS NOT NULL) OR (NOT s.succeeded AND (e.failing_since IS NULL OR ${FAILED_TOO_LONG}))))
     SELECT id::text FROM attempted`,
    JSON.stringify(input),
    WEBHOOK_LIMITS.failingForMs,
  );
  return new Set(rows.map((row) => row.id));
}

/** Gives back deliveries taken but not attempted (the worker is stopping): due again at once. */
export async function releaseWebhookDeliveries(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.$executeRawUnsafe(`UPDATE webhook_deliveries SET lease_until = NULL WHERE id = ANY($1::uuid[]) AND status = 'pending'`, ids);
}
