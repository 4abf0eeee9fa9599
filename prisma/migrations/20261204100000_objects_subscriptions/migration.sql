-- Objects (recipients.md section 1): recipients other than users (a project, a Slack channel, a device),
-- named by (collection, id). Their preference sets and channel data live in the recipient-keyed tables
-- beside users'; this table holds what only an object has: its collection and properties.
CREATE TABLE "objects" (
  "environment_id" UUID NOT NULL,
  "collection" TEXT NOT NULL,
  "id" TEXT NOT NULL,
  "properties" JSONB NOT NULL DEFAULT '{}',
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "objects_pkey" PRIMARY KEY ("environment_id", "collection", "id"),
  CONSTRAINT "objects_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  -- '$'-prefixed collections are reserved ('$users' names users in the recipient-keyed tables).
  CONSTRAINT "objects_collection_check" CHECK (left("collection", 1) <> '$')
);

-- listObjects pages one collection newest first at any depth (as users are listed).
CREATE INDEX "objects_listing_idx" ON "objects" ("environment_id", "collection", "created_at" DESC, "id" DESC);

-- Subscriptions: a recipient (a user under '$users', or an object) subscribed to an object, with the
-- relationship's own properties. No foreign keys to users or objects: like preference sets, a
-- subscription's recipient may be identified in the same request, and deletes remove both directions.
CREATE TABLE "subscriptions" (
  "environment_id" UUID NOT NULL,
  "object_collection" TEXT NOT NULL,
  "object_id" TEXT NOT NULL,
  "recipient_collection" TEXT NOT NULL,
  "recipient_id" TEXT NOT NULL,
  "properties" JSONB,
  "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("environment_id", "object_collection", "object_id", "recipient_collection", "recipient_id"),
  CONSTRAINT "subscriptions_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- listSubscriptionsForUser and deletes find a recipient's subscriptions by the recipient.
CREATE INDEX "subscriptions_recipient_idx" ON "subscriptions" ("environment_id", "recipient_collection", "recipient_id");

-- The bulk kinds of objects, subscriptions and tenant deletes (recipients.md section 2).
ALTER TABLE "bulk_operations" DROP CONSTRAINT "bulk_operations_name_check";
ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_name_check"
    CHECK ("name" IN ('users.set_preferences', 'tenants.set', 'users.identify', 'users.delete', 'objects.set', 'objects.delete', 'objects.add_subscriptions', 'objects.delete_subscriptions', 'tenants.delete'));
