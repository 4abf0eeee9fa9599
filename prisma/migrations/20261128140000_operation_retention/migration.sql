-- Retention of an operation's input (issue 11): `keys` and `input` are pruned OPERATION_RETENTION_DAYS
-- after the operation ended (`keys` to an empty array, `input` to NULL); the operation itself (status,
-- counts, error_items) stays. `input_pruned_at` says when, and the partial index lists what is still to
-- prune, oldest end first, so a prune pass never scans the operations already pruned. An ended
-- operation's `updated_at` is when it ended (nothing updates it afterwards).
ALTER TABLE "bulk_operations" ALTER COLUMN "input" DROP NOT NULL;
ALTER TABLE "bulk_operations" ADD COLUMN "input_pruned_at" TIMESTAMPTZ(3);

CREATE INDEX "bulk_operations_unpruned_ended_idx" ON "bulk_operations" ("updated_at")
  WHERE "input_pruned_at" IS NULL AND "status" IN ('completed', 'failed');
