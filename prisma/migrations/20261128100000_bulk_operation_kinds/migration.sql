-- Bulk operations of several kinds share one table and one machinery. What an operation works through
-- becomes `keys` (distinct, sorted: user ids, tenant ids ...), what it writes becomes the kind's `input`
-- (for preferences: the set and the shared document), and `scope` says which operations must apply in
-- acceptance order (same scope, overlapping keys). Only preference writes have a `strategy`.
ALTER TABLE "bulk_operations" RENAME COLUMN "user_ids" TO "keys";
ALTER TABLE "bulk_operations" ADD COLUMN "scope" TEXT, ADD COLUMN "input" JSONB;
UPDATE "bulk_operations"
SET "scope" = 'preferences:' || "set_id",
    "input" = jsonb_build_object('set_id', "set_id", 'document', "preferences"),
    "keys" = coalesce("keys", '{}');
ALTER TABLE "bulk_operations"
    ALTER COLUMN "scope" SET NOT NULL,
    ALTER COLUMN "input" SET NOT NULL,
    ALTER COLUMN "keys" SET NOT NULL,
    ALTER COLUMN "strategy" DROP NOT NULL;

-- The unfinished operations, looked up by the ordering check (per scope) and the reconciler.
DROP INDEX "bulk_operations_active_idx";
CREATE INDEX "bulk_operations_active_idx" ON "bulk_operations"("environment_id", "scope", "seq") WHERE "status" IN ('queued', 'processing');

ALTER TABLE "bulk_operations" DROP COLUMN "set_id", DROP COLUMN "preferences";

ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_name_check"
    CHECK ("name" IN ('users.set_preferences', 'tenants.set', 'users.identify'));
ALTER TABLE "bulk_operations" DROP CONSTRAINT "bulk_operations_strategy_check";
ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_strategy_check"
    CHECK (("name" = 'users.set_preferences') = ("strategy" IS NOT NULL) AND "strategy" IN ('replace', 'merge'));
