-- A kind of bulk operation has one id, stored beside Knock's `name`: the worker finds the kind that
-- writes an operation's batches by it (packages/db/src/kinds), and the claim decides by it whether the
-- keys travel to the worker. Until now the id was the pair (name, strategy), re-derived in SQL as
-- `name || ':' || strategy`. Existing rows get the ids the kinds carry: the name, and for preference
-- writes the name and the strategy (`users.set_preferences:replace`).
ALTER TABLE "bulk_operations" ADD COLUMN "kind" TEXT;
UPDATE "bulk_operations" SET "kind" = CASE WHEN "strategy" IS NULL THEN "name" ELSE "name" || ':' || "strategy" END;
ALTER TABLE "bulk_operations" ALTER COLUMN "kind" SET NOT NULL;
