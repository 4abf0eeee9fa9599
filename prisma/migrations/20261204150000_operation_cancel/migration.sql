-- Cancelling a bulk operation (operations-control.md section 2): when it was asked for, and when it took
-- effect (after the batch in flight, if one was). A cancelled operation is `failed` with failure_reason
-- 'cancelled', so Knock's clients, which wait for completed or failed, see it end.
ALTER TABLE "bulk_operations" ADD COLUMN "cancel_requested_at" TIMESTAMPTZ(3);
ALTER TABLE "bulk_operations" ADD COLUMN "cancelled_at" TIMESTAMPTZ(3);
