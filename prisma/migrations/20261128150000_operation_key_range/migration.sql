-- The smallest and largest key of an operation, in byte order (COLLATE "C"): two operations whose key
-- ranges do not meet cannot share a key, so the ordering check skips comparing their keys one by one.
-- Senders that page through their users in id order send exactly such disjoint ranges. Operations
-- recorded before this migration have none, and are compared key by key as before.
ALTER TABLE "bulk_operations" ADD COLUMN "first_key" TEXT COLLATE "C";
ALTER TABLE "bulk_operations" ADD COLUMN "last_key" TEXT COLLATE "C";
