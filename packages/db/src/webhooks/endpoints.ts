import { randomBytes } from 'node:crypto';
import { UUID, WEBHOOK_LIMITS, type WebhookEndpointInput, type WebhookEndpointPatch, type WebhookEventType } from '@prefs/core';
import type { Queryable } from '../client';
import { keysetPage, type KeysetPosition } from '../keyset-page';

/**
 * An environment's webhook endpoints: where its events go and the secrets that sign them. The secret is
 * kept readable (the workers sign with it) and shown to the owner only when made (create, rotate).
 */

export interface WebhookEndpoint {
  id: string;
  environmentId: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  /** Why the service disabled it: `gone` (a 410) or `failing` (failing for 5 days); null otherwise. */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint with the secret just made for it: the only time the secret leaves the service. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

interface EndpointRow {
  id: string;
  environment_id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id::text, environment_id::text, url, description, events, enabled, disabled_reason, created_at, updated_at';

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    environmentId: row.environment_id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A new endpoint with its secret; null when the environment already has as many as it may. */
export async function createWebhookEndpoint(db: Queryable, environmentId: string, input: WebhookEndpointInput): Promise<WebhookEndpointWithSecret | null> {
  const secret = generateWebhookSecret();
  const rows = await db.$queryRawUnsafe<EndpointRow[]>(
    `INSERT INTO webhook_endpoints (environment_id, url, description, events, secret)
     SELECT $1::uuid, $2, $3, $4::text[], $5
     WHERE (SELECT count(*) FROM webhook_endpoints WHERE environment_id = $1::uuid) < $6::int
     RETURNING ${COLUMNS}`,
    environmentId,
    input.url,
    input.description,
    input.events,
    secret,
    WEBHOOK_LIMITS.endpointsPerEnvironment,
  );
  return rows[0] ? { ...toEndpoint(rows[0]), secret } : null;
}

export async function getWebhookEndpoint(db: Queryable, environmentId: string, id: string): Promise<WebhookEndpoint | null> {
  if (!UUID.test(id)) return null;
  const rows = await db.$queryRawUnsafe<EndpointRow[]>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1::uuid AND environment_id = $2::uuid`, id, environmentId);
  return rows[0] ? toEndpoint(rows[0]) : null;
}

export interface WebhookEndpointPage {
  entries: WebhookEndpoint[];
  after: KeysetPosition | null;
  before: KeysetPosition | null;
}

/** One page of an environment's endpoints, newest first. */
export async function listWebhookEndpoints(
  db: Queryable,
  args: { environmentId: string; pageSize: number; after?: KeysetPosition | null; before?: KeysetPosition | null },
): Promise<WebhookEndpointPage> {
  return keysetPage(
    db,
    {
      table: 'webhook_endpoints',
      columns: COLUMNS,
      atColumn: 'created_at',
      idCast: 'uuid',
      filters: {},
      toEntry: toEndpoint,
      positionOf: (entry) => ({ at: entry.createdAt, id: entry.id }),
    },
    args,
  );
}

/**
 * Changes what the patch names. Enabling an endpoint clears why it was disabled and its failing streak,
 * so it is judged afresh. Null when there is no such endpoint.
 */
export async function updateWebhookEndpoint(db: Queryable, environmentId: string, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint | null> {
  if (!UUID.test(id)) return null;
  const rows = await db.$queryRawUnsafe<EndpointRow[]>(
    `UPDATE webhook_endpoints SET
       url = coalesce($3, url),
       events = coalesce($4::text[], events),
       description = CASE WHEN $5::boolean THEN $6 ELSE description END,
       enabled = coalesce($7::boolean, enabled),
       disabled_reason = CASE WHEN $7::boolean IS NOT NULL THEN NULL ELSE disabled_reason END,
       failing_since = CASE WHEN $7::boolean THEN NULL ELSE failing_since END,
       updated_at = now()
     WHERE id = $1::uuid AND environment_id = $2::uuid
     RETURNING ${COLUMNS}`,
    id,
    environmentId,
    patch.url ?? null,
    patch.events ?? null,
    patch.description !== undefined,
    patch.description ?? null,
    patch.enabled ?? null,
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}

/** Deletes the endpoint and its deliveries; false when there was none. */
export async function deleteWebhookEndpoint(db: Queryable, environmentId: string, id: string): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const count = await db.$executeRawUnsafe(`DELETE FROM webhook_endpoints WHERE id = $1::uuid AND environment_id = $2::uuid`, id, environmentId);
  return count > 0;
}

/** A new secret; the one it replaces keeps signing alongside for 24 hours. Null when there is no such endpoint. */
export async function rotateWebhookSecret(db: Queryable, environmentId: string, id: string): Promise<WebhookEndpointWithSecret | null> {
  if (!UUID.test(id)) return null;
  const secret = generateWebhookSecret();
  const rows = await db.$queryRawUnsafe<EndpointRow[]>(
    `UPDATE webhook_endpoints SET previous_secret = secret, secret = $3,
       previous_secret_until = now() + $4::int * interval '1 millisecond', updated_at = now()
     WHERE id = $1::uuid AND environment_id = $2::uuid
     RETURNING ${COLUMNS}`,
    id,
    environmentId,
    secret,
    WEBHOOK_LIMITS.previousSecretMs,
  );
  return rows[0] ? { ...toEndpoint(rows[0]), secret } : null;
}
