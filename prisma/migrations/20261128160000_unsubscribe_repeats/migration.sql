-- A one-click unsubscribe that changes nothing (the same link, already unsubscribed) is not stored again:
-- the link's latest one-click event counts it. `repeats`: how many such POSTs followed the event;
-- `last_at`: when the latest of them came (the event's own time until one does). Events stored before
-- this migration have no repeats.
ALTER TABLE "unsubscribes" ADD COLUMN "repeats" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "unsubscribes" ADD COLUMN "last_at" TIMESTAMPTZ(3);
UPDATE "unsubscribes" SET "last_at" = "created_at";
ALTER TABLE "unsubscribes" ALTER COLUMN "last_at" SET NOT NULL;
ALTER TABLE "unsubscribes" ALTER COLUMN "last_at" SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "unsubscribes" ADD CONSTRAINT "unsubscribes_repeats_check" CHECK ("repeats" >= 0);
