-- How many times in a row the operation's current batch lost its database connection because the server
-- went away (crash, OOM kill, shutdown): counted on the row so that it survives a worker crash and a job
-- retried by another worker, reset when a batch lands. At 3 the operation fails
-- (`database_lost_during_batch`) instead of bringing the database down again.
ALTER TABLE "bulk_operations" ADD COLUMN "lost_batches" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_lost_batches_check" CHECK ("lost_batches" >= 0);
