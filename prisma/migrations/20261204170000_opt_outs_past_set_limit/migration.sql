-- An unsubscribe is consent and is never refused for size: a one-click unsubscribe into a set already near
-- 64 KiB is stored past the limit (its `false` adds a few bytes), as long as the set stays within 80 KiB.
-- Every other write stays held to 64 KiB, in the database as before. A CHECK cannot know which write it
-- checks, so a trigger replaces it: the unsubscribe's transaction says so with a local setting
-- (`prefs.opt_out_past_set_limit`), which nothing else sets. The WHEN clause reads only the value's header,
-- so a write within the limit never calls the function (the CHECK's cost, no more). The refusal keeps the
-- CHECK's name and SQLSTATE, so every caller's handling of it stays as it was.
CREATE OR REPLACE FUNCTION prefs_refuse_preference_set_too_large() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_column_size(NEW.preferences) <= 81920 AND current_setting('prefs.opt_out_past_set_limit', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'new row for relation "preference_sets" violates check constraint "preference_sets_size"'
    USING ERRCODE = 'check_violation', CONSTRAINT = 'preference_sets_size', TABLE = 'preference_sets';
END
$$;

CREATE TRIGGER "preference_sets_size" BEFORE INSERT OR UPDATE OF "preferences" ON "preference_sets"
  FOR EACH ROW WHEN (pg_column_size(NEW."preferences") > 65536)
  EXECUTE FUNCTION prefs_refuse_preference_set_too_large();

ALTER TABLE "preference_sets" DROP CONSTRAINT "preference_sets_size";
