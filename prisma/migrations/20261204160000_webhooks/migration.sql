-- Webhooks (operations-control.md section 4): endpoints per environment, the events they subscribe to
-- (an outbox written in the same statement or transaction as the change it reports), and one delivery
-- per event and endpoint, whose attempts the workers record.
CREATE TABLE "webhook_endpoints" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "environment_id" UUID NOT NULL,
  "url" TEXT NOT NULL,
  "description" TEXT,
  "events" TEXT[] NOT NULL,
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  -- Why the service disabled it (`gone`: a 410; `failing`: 5 days of failures); NULL when enabled, or disabled by its owner.
  "disabled_reason" TEXT,
  -- The signing secret must be readable to sign: it is kept as issued (`whsec_...`), like the link secrets.
  "secret" TEXT NOT NULL,
  -- After a rotation the previous secret signs alongside until this time (24 h).
  "previous_secret" TEXT,
  "previous_secret_until" TIMESTAMPTZ(3),
  -- Since when every attempt has failed; NULL after a success.
  "failing_since" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "webhook_endpoints_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- A change looks up the endpoints of its environment that want its event; the listing pages them newest first.
CREATE INDEX "webhook_endpoints_listing_idx" ON "webhook_endpoints" ("environment_id", "created_at" DESC, "id" DESC);

-- An event as it will be sent: `id` is the `webhook-id` (the same on every attempt), `data` what the
-- change reported, and `created_at` both the body's `timestamp` and the start of its delay.
CREATE TABLE "webhook_events" (
  "id" TEXT NOT NULL,
  "environment_id" UUID NOT NULL,
  "type" TEXT NOT NULL,
  "data" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "webhook_events_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "webhook_deliveries" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  -- The endpoint's, kept here so that listings are scoped to the environment like every other.
  "environment_id" UUID NOT NULL,
  "endpoint_id" UUID NOT NULL,
  "event_id" TEXT NOT NULL,
  -- The event's type, kept here for the listing.
  "event_type" TEXT NOT NULL,
  -- pending (to be sent, or retried at next_attempt_at), succeeded, failed (attempts exhausted or refused).
  "status" TEXT NOT NULL DEFAULT 'pending',
  "attempts" JSONB NOT NULL DEFAULT '[]',
  "attempt_count" INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- Taken by a worker until then: a worker that dies leaves it to be taken again after this time.
  "lease_until" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('pending', 'succeeded', 'failed')),
  CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- One delivery per event and endpoint.
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_id_event_id_key" ON "webhook_deliveries" ("endpoint_id", "event_id");
-- The workers find what is due per endpoint without reading what is done.
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" ("endpoint_id", "next_attempt_at") WHERE "status" = 'pending';
-- An endpoint's deliveries listed newest first.
CREATE INDEX "webhook_deliveries_listing_idx" ON "webhook_deliveries" ("endpoint_id", "created_at" DESC, "id" DESC);
-- Deleting an event (with its environment) finds its deliveries.
CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries" ("event_id");
