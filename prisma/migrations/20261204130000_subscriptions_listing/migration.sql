-- Knock's subscription listings page newest first at any depth: an object's subscribers by
-- (inserted_at, recipient), a recipient's subscriptions by (inserted_at, object). The recipient's index
-- replaces subscriptions_recipient_idx, whose columns it starts with (deletes by recipient still use it).
CREATE INDEX "subscriptions_object_listing_idx" ON "subscriptions" ("environment_id", "object_collection", "object_id", "inserted_at", "recipient_collection", "recipient_id");
CREATE INDEX "subscriptions_recipient_listing_idx" ON "subscriptions" ("environment_id", "recipient_collection", "recipient_id", "inserted_at", "object_collection", "object_id");
DROP INDEX "subscriptions_recipient_idx";
