-- Fair scheduling across environments (operations-control.md section 1). Each environment with work
-- waiting gets a share of the workers in proportion to its weight (`prefs environments weight`).
ALTER TABLE "environments" ADD COLUMN "scheduling_weight" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "environments" ADD CONSTRAINT "environments_scheduling_weight_check" CHECK ("scheduling_weight" BETWEEN 1 AND 1000);

-- The job that holds a processing operation's lease: a worker may run another environment's operation
-- under its own job (the fairer choice), and that operation's own job must then leave it alone until
-- the lease lapses. The same job (retried, or taken over after a crash) may always take it back.
ALTER TABLE "bulk_operations" ADD COLUMN "lease_owner" UUID;

-- When one of its operations was last claimed under fair scheduling: of environments running as many
-- for their weight, the one served least recently goes first, so that they take turns even on one
-- worker slot.
ALTER TABLE "environments" ADD COLUMN "last_served_at" TIMESTAMPTZ(3) NOT NULL DEFAULT '-infinity';
