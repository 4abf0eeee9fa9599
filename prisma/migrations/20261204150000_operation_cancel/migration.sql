-- Cancelling a bulk operation (operations-control.md section 2): when it was asked for, and when it took
-- effect (after the batch in flight, if one was). A cancelled operation is `failed` with failure_reason
-- 'cancelled', so Knock's clients, which wait for completed or failed, see it end.
ALTER TABLE "bulk_operations" ADD COLUMN "cancel_requested_at" TIMESTAMPTZ(3);
ALTER TABLE "bulk_operations" ADD COLUMN "cancelled_at" TIMESTAMPTZ(3);

-- A cancel asked for, recorded before the cancel waits for the batch in flight (which holds the
-- operation's row): every batch's progress and every claim look here first, so no batch starts once a
-- cancel is recorded, whoever gets the row's lock first. Whoever claims the operation next (a worker,
-- after the API died midway) ends it as cancelled.
CREATE TABLE "bulk_operation_cancels" (
    "operation_id" UUID NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "bulk_operation_cancels_pkey" PRIMARY KEY ("operation_id"),
    CONSTRAINT "bulk_operation_cancels_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "bulk_operations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
